// How deeply a JSON text nests, measured before it is parsed. Internal: shared by the
// SDK's answer reader and the sandbox's request reader, not installed.
#pragma once

#include <cstddef>
#include <string_view>

#include "cinetpay/export.hpp"

CINETPAY_BEGIN_NAMESPACE
namespace detail {

/// The deepest nesting of arrays and objects, brackets inside strings not counted; stops
/// counting past `limit`. Linear and recursion-free, unlike everything that later copies,
/// dumps or compares a parsed value: nesting is what makes a small document cost a deep
/// recursion.
inline std::size_t nesting_depth(std::string_view text, std::size_t limit) noexcept {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return depth;
}

}  // namespace detail
CINETPAY_END_NAMESPACE
