/// @file
/// cinetpay::mocks: test doubles for code that uses cinetpay-cpp. Link cinetpay::testing
/// (find_package(cinetpay COMPONENTS testing)); it brings GoogleTest's gmock. The namespace is
/// not `testing`, so that it never collides with GoogleTest's own namespace of that name after
/// `using namespace cinetpay;`; the headers stay under <cinetpay/testing/...>, the
/// component's name.
#pragma once

/// @namespace cinetpay::mocks
/// Test doubles for a merchant's tests (target cinetpay::testing): MockTransferApi (gmock),
/// ScriptedTransport and the answers::… builders of CinetPay's answers, ManualClock, and
/// fast_options(). Never linked into the library itself.

#include "cinetpay/testing/answers.hpp"             // IWYU pragma: export
#include "cinetpay/testing/fast_options.hpp"        // IWYU pragma: export
#include "cinetpay/testing/manual_clock.hpp"        // IWYU pragma: export
#include "cinetpay/testing/mock_transfer_api.hpp"   // IWYU pragma: export
#include "cinetpay/testing/scripted_transport.hpp"  // IWYU pragma: export
