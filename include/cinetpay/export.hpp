/// @file
/// How the library's names are built and exported: CINETPAY_API marks the public API, the
/// only names a shared libcinetpay exports (it is built with hidden visibility, so nothing
/// else leaves it: no detail, no nlohmann, no curl); CINETPAY_INLINE makes the definitions
/// of include/cinetpay/detail/ inline when the library is used header-only.
///
///   CINETPAY_HEADER_ONLY  defined by the user (or cinetpay::cinetpay_header_only): no
///                         library to link, every definition is compiled in the user's code
///   CINETPAY_SHARED       defined for users of a shared libcinetpay by its CMake target
///
/// Shared libraries are built for ELF platforms (GCC, Clang); Windows DLLs are not supported.
#pragma once

#include "cinetpay/version.hpp"  // IWYU pragma: export

#if defined(CINETPAY_HEADER_ONLY)
#define CINETPAY_API
#define CINETPAY_INLINE inline
#elif defined(CINETPAY_SHARED) && (defined(__GNUC__) || defined(__clang__))
#define CINETPAY_API __attribute__((visibility("default")))
#define CINETPAY_INLINE
#else
#define CINETPAY_API
#define CINETPAY_INLINE
#endif
