// Compiled with the same flags as every other file of the library, so its macros are the ones
// the kernels were compiled under. The list holds the extensions __builtin_cpu_supports can test
// (GCC 12 and Clang agree on these names); others implied by them (f16c, movbe, ...) go with
// the same CPUs.
#include "tensor/build_isa.h"

#if defined(__SSE__)
#define MP_ISA_SSE " sse"
#else
#define MP_ISA_SSE ""
#endif
#if defined(__SSE2__)
#define MP_ISA_SSE2 " sse2"
#else
#define MP_ISA_SSE2 ""
#endif
#if defined(__SSE3__)
#define MP_ISA_SSE3 " sse3"
#else
#define MP_ISA_SSE3 ""
#endif
#if defined(__SSSE3__)
#define MP_ISA_SSSE3 " ssse3"
#else
#define MP_ISA_SSSE3 ""
#endif
#if defined(__SSE4_1__)
#define MP_ISA_SSE4_1 " sse4.1"
#else
#define MP_ISA_SSE4_1 ""
#endif
#if defined(__SSE4_2__)
#define MP_ISA_SSE4_2 " sse4.2"
#else
#define MP_ISA_SSE4_2 ""
#endif
#if defined(__POPCNT__)
#define MP_ISA_POPCNT " popcnt"
#else
#define MP_ISA_POPCNT ""
#endif
#if defined(__AES__)
#define MP_ISA_AES " aes"
#else
#define MP_ISA_AES ""
#endif
#if defined(__PCLMUL__)
#define MP_ISA_PCLMUL " pclmul"
#else
#define MP_ISA_PCLMUL ""
#endif
#if defined(__AVX__)
#define MP_ISA_AVX " avx"
#else
#define MP_ISA_AVX ""
#endif
#if defined(__AVX2__)
#define MP_ISA_AVX2 " avx2"
#else
#define MP_ISA_AVX2 ""
#endif
#if defined(__FMA__)
#define MP_ISA_FMA " fma"
#else
#define MP_ISA_FMA ""
#endif
#if defined(__BMI__)
#define MP_ISA_BMI " bmi"
#else
#define MP_ISA_BMI ""
#endif
#if defined(__BMI2__)
#define MP_ISA_BMI2 " bmi2"
#else
#define MP_ISA_BMI2 ""
#endif
#if defined(__AVX512F__)
#define MP_ISA_AVX512F " avx512f"
#else
#define MP_ISA_AVX512F ""
#endif
#if defined(__AVX512CD__)
#define MP_ISA_AVX512CD " avx512cd"
#else
#define MP_ISA_AVX512CD ""
#endif
#if defined(__AVX512VL__)
#define MP_ISA_AVX512VL " avx512vl"
#else
#define MP_ISA_AVX512VL ""
#endif
#if defined(__AVX512BW__)
#define MP_ISA_AVX512BW " avx512bw"
#else
#define MP_ISA_AVX512BW ""
#endif
#if defined(__AVX512DQ__)
#define MP_ISA_AVX512DQ " avx512dq"
#else
#define MP_ISA_AVX512DQ ""
#endif
#if defined(__AVX512IFMA__)
#define MP_ISA_AVX512IFMA " avx512ifma"
#else
#define MP_ISA_AVX512IFMA ""
#endif
#if defined(__AVX512VBMI__)
#define MP_ISA_AVX512VBMI " avx512vbmi"
#else
#define MP_ISA_AVX512VBMI ""
#endif
#if defined(__AVX512VBMI2__)
#define MP_ISA_AVX512VBMI2 " avx512vbmi2"
#else
#define MP_ISA_AVX512VBMI2 ""
#endif
#if defined(__AVX512VNNI__)
#define MP_ISA_AVX512VNNI " avx512vnni"
#else
#define MP_ISA_AVX512VNNI ""
#endif
#if defined(__AVX512BITALG__)
#define MP_ISA_AVX512BITALG " avx512bitalg"
#else
#define MP_ISA_AVX512BITALG ""
#endif
#if defined(__AVX512VPOPCNTDQ__)
#define MP_ISA_AVX512VPOPCNTDQ " avx512vpopcntdq"
#else
#define MP_ISA_AVX512VPOPCNTDQ ""
#endif
#if defined(__AVX512BF16__)
#define MP_ISA_AVX512BF16 " avx512bf16"
#else
#define MP_ISA_AVX512BF16 ""
#endif
#if defined(__GFNI__)
#define MP_ISA_GFNI " gfni"
#else
#define MP_ISA_GFNI ""
#endif
#if defined(__VPCLMULQDQ__)
#define MP_ISA_VPCLMULQDQ " vpclmulqdq"
#else
#define MP_ISA_VPCLMULQDQ ""
#endif

// The leading space of the first entry is skipped by the +1 in build_isa() and by the check's
// tokenizer; a baseline x86-64 build still lists "sse sse2".
extern "C" const char memprobe_build_isa[] = MP_ISA_SSE MP_ISA_SSE2 MP_ISA_SSE3 MP_ISA_SSSE3
    MP_ISA_SSE4_1 MP_ISA_SSE4_2 MP_ISA_POPCNT MP_ISA_AES MP_ISA_PCLMUL MP_ISA_AVX MP_ISA_AVX2
        MP_ISA_FMA MP_ISA_BMI MP_ISA_BMI2 MP_ISA_AVX512F MP_ISA_AVX512CD MP_ISA_AVX512VL
            MP_ISA_AVX512BW MP_ISA_AVX512DQ MP_ISA_AVX512IFMA MP_ISA_AVX512VBMI MP_ISA_AVX512VBMI2
                MP_ISA_AVX512VNNI MP_ISA_AVX512BITALG MP_ISA_AVX512VPOPCNTDQ MP_ISA_AVX512BF16
                    MP_ISA_GFNI MP_ISA_VPCLMULQDQ;

namespace mp {

std::string build_isa() {
  const char* s = memprobe_build_isa;
  return std::string(*s == ' ' ? s + 1 : s);
}

std::string build_march() {
#if defined(MEMPROBE_MARCH_NATIVE)
  return "native";
#else
  return "default";
#endif
}

}  // namespace mp
