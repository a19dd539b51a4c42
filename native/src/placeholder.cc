// Replaced by the shared-memory ring, drivers and clock (see native/README.md).
#include <napi.h>
static Napi::Object Init(Napi::Env env, Napi::Object exports) { return exports; }
NODE_API_MODULE(specula_native, Init)
