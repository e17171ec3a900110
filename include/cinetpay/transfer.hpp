/// @file
/// cinetpay-cpp: the C++ SDK for CinetPay's Transfer (payout) API. Include this one header.
#pragma once

#include "cinetpay/client.hpp"                // IWYU pragma: export
#include "cinetpay/errors.hpp"                // IWYU pragma: export
#include "cinetpay/http.hpp"                  // IWYU pragma: export
#include "cinetpay/metrics.hpp"               // IWYU pragma: export
#include "cinetpay/models.hpp"                // IWYU pragma: export
#include "cinetpay/notification.hpp"          // IWYU pragma: export
#include "cinetpay/notification_handler.hpp"  // IWYU pragma: export
#include "cinetpay/observe.hpp"               // IWYU pragma: export
#include "cinetpay/options.hpp"               // IWYU pragma: export
#include "cinetpay/payout_file.hpp"           // IWYU pragma: export
#include "cinetpay/transfer_api.hpp"          // IWYU pragma: export
#include "cinetpay/validation.hpp"            // IWYU pragma: export
#include "cinetpay/version.hpp"               // IWYU pragma: export
