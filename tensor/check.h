#pragma once
// Error reporting used by every layer: MP_CHECK(cond, message-stream) throws mp::Error with the
// message and the source location. Errors are exceptions so that a CLI can print one clear line
// and exit non-zero, and so that tests can assert on them.
#include <sstream>
#include <stdexcept>
#include <string>

namespace mp {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace mp

#define MP_CHECK(cond, msg)                  \
  do {                                       \
    if (!(cond)) {                           \
      std::ostringstream mp_check_os_;       \
      mp_check_os_ << msg;                   \
      throw ::mp::Error(mp_check_os_.str()); \
    }                                        \
  } while (0)

#define MP_FAIL(msg) MP_CHECK(false, msg)
