// Refuses to start on a CPU that lacks an instruction-set extension this binary was compiled
// for. The default build uses -march=native (CMakeLists.txt, MEMPROBE_NATIVE), so a binary built
// on an AVX-512 machine would otherwise die of SIGILL on an AVX2-only cluster node, in whichever
// kernel or static initialiser first used AVX-512. Instead it says:
//
//   memprobe: this binary was built for x86-64 with sse, ..., avx512bw, ... (-march=native on
//   the build machine); this CPU lacks avx512bw. Rebuild on this machine, or with
//   -DMEMPROBE_NATIVE=OFF (docs/cluster.md)
//
// and exits with status 1. Three things make the check itself safe on such a CPU:
//  - this file is compiled for baseline x86-64 (startup/CMakeLists.txt overrides -march);
//  - it runs as a constructor of priority 101, before every static initialiser of default
//    priority in the program (libraries such as OpenBLAS are initialised earlier, but they
//    were not compiled with our flags);
//  - it calls only libc and functions of its own with internal linkage: an inline function
//    from a C++ header is emitted in every file that uses it, and the linker keeps one copy,
//    possibly one compiled for the native extensions.
// The list of extensions comes from tensor/build_isa.cpp, compiled with the native flags; it is
// constant data, so reading it runs none of their code.
//
// For tests only: MEMPROBE_FAKE_CPU_LACKS=ext[,ext...] makes the check act as if the CPU lacked
// those extensions (tests/apps/test_isa_check.cpp).
#include <errno.h>  // program_invocation_short_name (glibc)
#include <unistd.h>

#include <cstdlib>
#include <cstring>

// tensor/build_isa.h declares it too; that header is not included here because it brings in
// <string> (see above).
extern "C" const char memprobe_build_isa[];

namespace {

#if defined(__x86_64__) || defined(__i386__)

// __builtin_cpu_supports takes only string literals, hence one function per name. constexpr:
// the table must be constant-initialised, since dynamic initialisation would run after us.
struct Feature {
  const char* name;
  int (*supported)();
};
// clang-format off
#define MP_FEATURE(n) {n, []() -> int { return __builtin_cpu_supports(n) ? 1 : 0; }}
constexpr Feature kFeatures[] = {
    MP_FEATURE("sse"), MP_FEATURE("sse2"), MP_FEATURE("sse3"), MP_FEATURE("ssse3"),
    MP_FEATURE("sse4.1"), MP_FEATURE("sse4.2"), MP_FEATURE("popcnt"), MP_FEATURE("aes"),
    MP_FEATURE("pclmul"), MP_FEATURE("avx"), MP_FEATURE("avx2"), MP_FEATURE("fma"),
    MP_FEATURE("bmi"), MP_FEATURE("bmi2"), MP_FEATURE("avx512f"), MP_FEATURE("avx512cd"),
    MP_FEATURE("avx512vl"), MP_FEATURE("avx512bw"), MP_FEATURE("avx512dq"),
    MP_FEATURE("avx512ifma"), MP_FEATURE("avx512vbmi"), MP_FEATURE("avx512vbmi2"),
    MP_FEATURE("avx512vnni"), MP_FEATURE("avx512bitalg"), MP_FEATURE("avx512vpopcntdq"),
    MP_FEATURE("avx512bf16"), MP_FEATURE("gfni"), MP_FEATURE("vpclmulqdq"),
};
// clang-format on
#undef MP_FEATURE

bool is_separator(char c) {
  return c == ' ' || c == ',';
}

// True if `list` (names separated by spaces or commas) holds `name` (length n).
bool listed(const char* list, const char* name, size_t n) {
  if (!list) return false;
  for (const char* p = list; *p;) {
    while (*p && is_separator(*p)) ++p;
    const char* q = p;
    while (*q && !is_separator(*q)) ++q;
    if (static_cast<size_t>(q - p) == n && std::strncmp(p, name, n) == 0) return true;
    p = q;
  }
  return false;
}

const Feature* find_feature(const char* name, size_t n) {
  for (const Feature& f : kFeatures)
    if (std::strlen(f.name) == n && std::strncmp(f.name, name, n) == 0) return &f;
  return nullptr;
}

// A fixed buffer: no allocation, and a message too long is cut, never overrun.
struct Message {
  char text[2048];
  size_t len = 0;
  void add(const char* s, size_t n) {
    for (size_t i = 0; i < n && len + 1 < sizeof text; ++i) text[len++] = s[i];
    text[len] = '\0';
  }
  void add(const char* s) { add(s, std::strlen(s)); }
};

// Appends the names of `list` separated by ", ".
void add_list(Message& m, const char* list) {
  bool first = true;
  for (const char* p = list; *p;) {
    while (*p && is_separator(*p)) ++p;
    const char* q = p;
    while (*q && !is_separator(*q)) ++q;
    if (q > p) {
      if (!first) m.add(", ");
      m.add(p, static_cast<size_t>(q - p));
      first = false;
    }
    p = q;
  }
}

__attribute__((constructor(101))) void memprobe_check_isa() {
  __builtin_cpu_init();  // needed before __builtin_cpu_supports in a constructor
  const char* fake = std::getenv("MEMPROBE_FAKE_CPU_LACKS");
  char missing[512];
  size_t mlen = 0;
  missing[0] = '\0';
  for (const char* p = memprobe_build_isa; *p;) {
    while (*p && is_separator(*p)) ++p;
    const char* q = p;
    while (*q && !is_separator(*q)) ++q;
    const size_t n = static_cast<size_t>(q - p);
    const Feature* f = n ? find_feature(p, n) : nullptr;
    if (f && (!f->supported() || listed(fake, p, n)) && mlen + n + 2 < sizeof missing) {
      if (mlen) missing[mlen++] = ' ';
      std::memcpy(missing + mlen, p, n);
      mlen += n;
      missing[mlen] = '\0';
    }
    p = q;
  }
  if (mlen == 0) return;
  Message m;
  m.add(program_invocation_short_name);
  m.add(": this binary was built for x86-64 with ");
  add_list(m, memprobe_build_isa);
#if defined(MEMPROBE_MARCH_NATIVE)
  m.add(" (-march=native on the build machine)");
#else
  m.add(" (the compiler's flags on the build machine)");
#endif
  m.add("; this CPU lacks ");
  add_list(m, missing);
#if defined(MEMPROBE_MARCH_NATIVE)
  m.add(". Rebuild on this machine, or with -DMEMPROBE_NATIVE=OFF (docs/cluster.md)");
#else
  m.add(". Rebuild on this machine (docs/cluster.md)");
#endif
  if (fake && *fake) m.add(" [MEMPROBE_FAKE_CPU_LACKS is set: a test's fake]");
  m.add("\n");
  ssize_t ignored = ::write(2, m.text, m.len);
  (void)ignored;
  ::_exit(1);  // not exit(): nothing of the program has run, nothing must run now
}

#endif  // x86

}  // namespace
