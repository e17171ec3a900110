#pragma once

#include "cinetpay/options.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)

CINETPAY_INLINE std::string_view to_string(Lang lang) noexcept {
  return lang == Lang::fr ? "fr" : "en";
}

CINETPAY_INLINE std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warning:
      return "warning";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
