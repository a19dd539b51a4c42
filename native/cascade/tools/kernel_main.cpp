// Standalone driver for profiling the kernel outside Node (perf/callgrind):
//   g++ -std=c++17 -O3 -march=x86-64-v2 -mavx2 -mfma -g -Inative/cascade native/cascade/ref_kernel.cc (continued:)
//       native/cascade/ref_kernel_avx512.cc native/cascade/cpu.cc native/cascade/tools/kernel_main.cpp -o /tmp/kernel_main
//   /tmp/kernel_main DIR FRAMES [dump]   (DIR holds input_raw.u16 / input_ref.u16 / params.json from gen_input.py)
// Prints median per-stage ms; with "dump" writes frame 0's stages as raw float32 into DIR/fast_*.f32.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <time.h>

#include "../ref_kernel.h"

using namespace specula;

static std::vector<uint16_t> readU16(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) { std::perror(path.c_str()); std::exit(1); }
  std::fseek(f, 0, SEEK_END);
  long n = std::ftell(f) / 2;
  std::fseek(f, 0, SEEK_SET);
  std::vector<uint16_t> v(n);
  if (std::fread(v.data(), 2, n, f) != static_cast<size_t>(n)) std::exit(1);
  std::fclose(f);
  return v;
}

template <typename T>
static void writeRaw(const std::string& path, const T* p, long n) {
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(p, sizeof(T), n, f);
  std::fclose(f);
}

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/tmp/fp";
  const int frames = argc > 2 ? std::atoi(argv[2]) : 50;
  const bool dump = argc > 3;
  RefParams p;
  p.sampleEnd = 512;  // S7 drops the Nyquist bin
  p.sos = {0.12686420169116125, 0.2537284033823225, 0.12686420169116125, 1.0, 0.2259278209852351, 0.06271045251351272};
  // the full SOS is read from sos.txt when present (6 numbers per line)
  if (FILE* f = std::fopen((dir + "/sos.txt").c_str(), "r")) {
    p.sos.clear();
    double v;
    while (std::fscanf(f, "%lf", &v) == 1) p.sos.push_back(v);
    std::fclose(f);
  }
  auto raw = readU16(dir + "/input_raw.u16");
  auto ref = readU16(dir + "/input_ref.u16");
  const long fs = 600L * 1024;
  const int nf = static_cast<int>(raw.size() / fs);
  RefKernel k(p);
  std::printf("isa %s\n", k.isa());
  std::vector<float> x(fs), xw(fs), lm(600L * 513), env(fs), y(fs), e(fs), dec(512 * 256);
  std::vector<uint8_t> u8(512 * 256);
  RefOutputs all{x.data(), xw.data(), lm.data(), env.data(), y.data(), e.data(), dec.data(), u8.data()};
  RefOutputs prod{};
  prod.env = env.data();
  prod.e = e.data();
  prod.u8 = u8.data();
  double ms[kStageCount];
  if (dump) {
    k.run(raw.data(), ref.data(), all, ms);
    writeRaw(dir + "/fast_x.f32", x.data(), fs);
    writeRaw(dir + "/fast_xw.f32", xw.data(), fs);
    writeRaw(dir + "/fast_logmag.f32", lm.data(), 600L * 513);
    writeRaw(dir + "/fast_env.f32", env.data(), fs);
    writeRaw(dir + "/fast_y.f32", y.data(), fs);
    writeRaw(dir + "/fast_e.f32", e.data(), fs);
    writeRaw(dir + "/fast_dec.f32", dec.data(), 512 * 256);
    writeRaw(dir + "/fast_u8.u8", u8.data(), 512 * 256);
  }
  std::vector<std::vector<double>> t(kStageCount + 1);
  std::vector<double> cpu;
  for (int i = 0; i < frames + 5; ++i) {
    timespec c0, c1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    k.run(raw.data() + (i % nf) * fs, ref.data() + (i % nf) * fs, prod, ms);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    if (i >= 5) cpu.push_back((c1.tv_sec - c0.tv_sec) * 1e3 + (c1.tv_nsec - c0.tv_nsec) * 1e-6);
    if (i < 5) continue;
    double tot = 0;
    for (int s = 0; s < kStageCount; ++s) { t[s].push_back(ms[s]); tot += ms[s]; }
    t[kStageCount].push_back(tot);
  }
  const char* names[] = {"s1", "s2", "s3", "s4", "s5", "s6", "s7", "total"};
  for (int s = 0; s <= kStageCount; ++s) {
    std::sort(t[s].begin(), t[s].end());
    std::printf("%s med %.3f min %.3f\n", names[s], t[s][t[s].size() / 2], t[s][0]);
  }
  std::sort(cpu.begin(), cpu.end());
  std::printf("thread-cpu total med %.3f min %.3f p10 %.3f\n", cpu[cpu.size() / 2], cpu[0], cpu[cpu.size() / 10]);
  return 0;
}
