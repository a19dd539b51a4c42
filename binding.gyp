{
  "variables": {
    "list_cc": "node -e \"const fs=require('fs');const d=process.argv[1];console.log(fs.readdirSync(d).filter(f=>f.endsWith('.cc')).sort().map(f=>d+'/'+f).join(' '))\""
  },
  "targets": [
    {
      "target_name": "specula_native",
      "sources": ["<!@(<(list_cc) native/src)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include", "native/src"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS_NOT"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "-Wall", "-Wextra"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lrt", "-ldl", "-lpthread"]
    },
    {
      "target_name": "specula_cascade",
      "sources": ["<!@(<(list_cc) native/cascade)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include", "native/cascade"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=x86-64-v2", "-mavx2", "-mfma", "-fexceptions", "-Wall"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lpthread"]
    }
  ]
}
