// Replaced by the compiled fast path of the cascade.
#include <napi.h>
static Napi::Object Init(Napi::Env env, Napi::Object exports) { return exports; }
NODE_API_MODULE(specula_cascade, Init)
