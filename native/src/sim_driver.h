// The built-in simulated device, exposed through the same C ABI as a real driver
// (native/include/specula_driver.h). Config: flat JSON object with numeric fields
//   {"channels":4,"lines":600,"samples":1024,"fps":30,"seed":12345,"reference":1}
#pragma once
#include "specula_driver.h"

namespace specula {

/** Function table of the simulated device. */
const specula_driver_api* SimDriverApi();

/** Channel id of the hum reference channel (REFERENCE_CHANNEL_ID in src/shared/device.ts). */
constexpr uint32_t kReferenceChannelId = 255;

}  // namespace specula
