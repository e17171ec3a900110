/// @file
/// The library's version, and the inline namespace that carries it into every symbol.
/// The numbers live here, not in CMake, so that a bare copy of include/ compiles; the
/// project's CMakeLists.txt reads them from this file.
#pragma once

/// The major version: a new one may break the API (while it is 0, so may each minor one).
#define CINETPAY_VERSION_MAJOR 0
/// The minor version; with the major one it names the ABI (CINETPAY_ABI_NAMESPACE).
#define CINETPAY_VERSION_MINOR 1
/// The patch version: fixes only, same API and ABI.
#define CINETPAY_VERSION_PATCH 0

#define CINETPAY_DETAIL_STRINGIFY2(x) #x
#define CINETPAY_DETAIL_STRINGIFY(x) CINETPAY_DETAIL_STRINGIFY2(x)
#define CINETPAY_DETAIL_ABI_NAME2(major, minor) v##major##_##minor
#define CINETPAY_DETAIL_ABI_NAME(major, minor) CINETPAY_DETAIL_ABI_NAME2(major, minor)

/// The inline namespace every public name lives in, e.g. `v0_1`. While on 0.x each minor
/// release may break the ABI: two versions' symbols never mix in one program unnoticed, a
/// mismatch is a link error instead of a crash.
#define CINETPAY_ABI_NAMESPACE \
  CINETPAY_DETAIL_ABI_NAME(CINETPAY_VERSION_MAJOR, CINETPAY_VERSION_MINOR)
/// Opens `namespace cinetpay` and its versioned inline namespace; every header and source
/// of the library opens it this way, none spells the version.
#define CINETPAY_BEGIN_NAMESPACE \
  namespace cinetpay {           \
  inline namespace CINETPAY_ABI_NAMESPACE {
/// Closes what CINETPAY_BEGIN_NAMESPACE opened.
#define CINETPAY_END_NAMESPACE \
  }                            \
  }

/// @namespace cinetpay
/// Every public name of cinetpay-cpp: the client (TransferClient, its TransferApi and
/// HttpTransport), the values it sends and answers (models.hpp), the errors (Error and its
/// subclasses), the checks it runs before sending (validate_transfers…), notifications
/// (parse_notification) and the durable ledger (PayoutLedger, PayoutWorker). The names live
/// in a versioned inline namespace (e.g. `cinetpay::v0_1`) that users never write; what is
/// under `cinetpay::detail` is not API.
CINETPAY_BEGIN_NAMESPACE

/// The library's version, "MAJOR.MINOR.PATCH".
inline constexpr const char* kVersion =
    CINETPAY_DETAIL_STRINGIFY(CINETPAY_VERSION_MAJOR) "." CINETPAY_DETAIL_STRINGIFY(
        CINETPAY_VERSION_MINOR) "." CINETPAY_DETAIL_STRINGIFY(CINETPAY_VERSION_PATCH);

CINETPAY_END_NAMESPACE
