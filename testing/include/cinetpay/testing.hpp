/// @file
/// cinetpay::testing: test doubles for code that uses cinetpay-cpp. Link cinetpay::testing
/// (find_package(cinetpay COMPONENTS testing)); it brings GoogleTest's gmock.
#pragma once

/// @namespace cinetpay::testing
/// Test doubles for a merchant's tests (target cinetpay::testing): MockTransferApi (gmock),
/// ScriptedTransport and the answers::… builders of CinetPay's answers, ManualClock, and
/// fast_options(). Never linked into the library itself.

#include "cinetpay/testing/answers.hpp"             // IWYU pragma: export
#include "cinetpay/testing/fast_options.hpp"        // IWYU pragma: export
#include "cinetpay/testing/manual_clock.hpp"        // IWYU pragma: export
#include "cinetpay/testing/mock_transfer_api.hpp"   // IWYU pragma: export
#include "cinetpay/testing/scripted_transport.hpp"  // IWYU pragma: export
