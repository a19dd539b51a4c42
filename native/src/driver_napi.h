// JS wrappers of the driver host: loadDriver (a .so behind specula_driver.h) and createSimDevice.
#pragma once
#include "napi_util.h"

namespace specula {
void InitDrivers(Napi::Env env, Napi::Object exports, AddonData* data);
}
