//===- SequenceTest.cpp - Reference scans, convolutions, memory -----------===//
//
// Hand-computed recurrences and identities between ops. Tolerance: 1e-5 of
// the output's scale (sums are in double, results rounded to f32).
//
//===----------------------------------------------------------------------===//

#include "hybrid/Reference/Reference.h"

#include "../TestUtils.h"

using namespace mlir::hybrid;
using namespace mlir::hybrid::reference;
using namespace mlir::hybrid::testing;

namespace {

/// Rows [t0, t1) of a [B, L, ...] tensor with B = 1.
HostTensor timeSlice(const HostTensor &t, int64_t t0, int64_t t1) {
  int64_t row = t.numel() / t.dim(1);
  std::vector<int64_t> shape = t.shape();
  shape[1] = t1 - t0;
  return HostTensor::fromFloats(
      shape, {t.floats() + t0 * row, t.floats() + t1 * row});
}

/// Concatenation of two [1, L, ...] tensors along time.
HostTensor timeConcat(const HostTensor &a, const HostTensor &b) {
  std::vector<int64_t> shape = a.shape();
  shape[1] += b.dim(1);
  std::vector<float> values(a.floats(), a.floats() + a.numel());
  values.insert(values.end(), b.floats(), b.floats() + b.numel());
  return HostTensor::fromFloats(shape, values);
}

TEST(ReferenceSelectiveScan, HandComputedRecurrence) {
  // E = N = 1, A = -1, Δ = 1, B = C = 1, x = [1, 2]:
  // h1 = 1, y1 = 1; h2 = e⁻¹ + 2, y2 = h2. With D = 0.5: y += 0.5x.
  HostTensor x = tensor({1, 2, 1}, {1, 2}), delta = tensor({1, 2, 1}, {1, 1});
  HostTensor A = tensor({1, 1}, {-1}), B = tensor({1, 2, 1}, {1, 1}),
             C = tensor({1, 2, 1}, {1, 1}), D = tensor({1}, {0.5});
  SelectiveScanInputs in;
  in.x = &x, in.delta = &delta, in.A = &A, in.B = &B, in.C = &C, in.D = &D;
  ScanResult r = selectiveScan(in);
  const float h2 = std::exp(-1.0f) + 2;
  EXPECT_TRUE(closeTo(r.y, tensor({1, 2, 1}, {1 + 0.5f, h2 + 1.0f})));
  EXPECT_TRUE(closeTo(r.finalState, tensor({1, 1, 1}, {h2})));

  // Gate z: y · silu(z); delta_bias and softplus: Δ = softplus(0 + ln(e - 1)) = 1.
  HostTensor z = tensor({1, 2, 1}, {0, 1}), zeroDelta = tensor({1, 2, 1}, {0, 0}),
             bias = tensor({1}, {std::log(std::exp(1.0f) - 1)});
  in.delta = &zeroDelta, in.deltaBias = &bias, in.deltaSoftplus = true;
  in.z = &z;
  r = selectiveScan(in);
  const float silu1 = 1.0f / (1.0f + std::exp(-1.0f));
  EXPECT_TRUE(closeTo(r.y, tensor({1, 2, 1}, {0, (h2 + 1.0f) * silu1})));
}

TEST(ReferenceSelectiveScan, ChunksWithCarriedStateEqualOnePass) {
  std::mt19937 rng(11);
  const int64_t L = 17, E = 6, N = 4;
  HostTensor x = randomTensor({1, L, E}, rng), delta = randomTensor({1, L, E}, rng),
             A = randomTensor({E, N}, rng, -1.0f, -0.1f),
             B = randomTensor({1, L, N}, rng), C = randomTensor({1, L, N}, rng),
             D = randomTensor({E}, rng), z = randomTensor({1, L, E}, rng);
  SelectiveScanInputs whole;
  whole.x = &x, whole.delta = &delta, whole.A = &A, whole.B = &B, whole.C = &C;
  whole.D = &D, whole.z = &z, whole.deltaSoftplus = true;
  ScanResult expected = selectiveScan(whole);

  HostTensor x1 = timeSlice(x, 0, 7), x2 = timeSlice(x, 7, L),
             d1 = timeSlice(delta, 0, 7), d2 = timeSlice(delta, 7, L),
             B1 = timeSlice(B, 0, 7), B2 = timeSlice(B, 7, L),
             C1 = timeSlice(C, 0, 7), C2 = timeSlice(C, 7, L),
             z1 = timeSlice(z, 0, 7), z2 = timeSlice(z, 7, L);
  SelectiveScanInputs first = whole, second = whole;
  first.x = &x1, first.delta = &d1, first.B = &B1, first.C = &C1, first.z = &z1;
  ScanResult r1 = selectiveScan(first);
  second.x = &x2, second.delta = &d2, second.B = &B2, second.C = &C2;
  second.z = &z2, second.initialState = &r1.finalState;
  ScanResult r2 = selectiveScan(second);
  EXPECT_TRUE(closeTo(timeConcat(r1.y, r2.y), expected.y));
  EXPECT_TRUE(closeTo(r2.finalState, expected.finalState));
}

TEST(ReferenceSSDScan, OneGroupEqualsSelectiveScanWithScalarA) {
  // SSD with G = 1 is Mamba-1 over E = H·P channels with A[e, n] = A[h] and
  // Δ[e] = dt[h] for the channels e of head h.
  std::mt19937 rng(12);
  const int64_t L = 9, H = 3, P = 2, N = 4, E = H * P;
  HostTensor x = randomTensor({1, L, H, P}, rng), dt = randomTensor({1, L, H}, rng),
             A = randomTensor({H}, rng, -1.0f, -0.1f), B = randomTensor({1, L, 1, N}, rng),
             C = randomTensor({1, L, 1, N}, rng), D = randomTensor({H}, rng),
             dtBias = randomTensor({H}, rng);
  SSDScanInputs ssd;
  ssd.x = &x, ssd.dt = &dt, ssd.A = &A, ssd.B = &B, ssd.C = &C, ssd.D = &D;
  ssd.dtBias = &dtBias, ssd.dtSoftplus = true;
  ScanResult r = ssdScan(ssd);

  HostTensor xe = x.reshaped({1, L, E}), delta = HostTensor::zeros({1, L, E}),
             Ae = HostTensor::zeros({E, N}), De = HostTensor::zeros({E}),
             biasE = HostTensor::zeros({E}), Be = B.reshaped({1, L, N}),
             Ce = C.reshaped({1, L, N});
  for (int64_t e = 0; e < E; ++e) {
    for (int64_t t = 0; t < L; ++t)
      delta.floats()[t * E + e] = dt.floats()[t * H + e / P];
    for (int64_t n = 0; n < N; ++n)
      Ae.floats()[e * N + n] = A.floats()[e / P];
    De.floats()[e] = D.floats()[e / P];
    biasE.floats()[e] = dtBias.floats()[e / P];
  }
  SelectiveScanInputs mamba;
  mamba.x = &xe, mamba.delta = &delta, mamba.A = &Ae, mamba.B = &Be;
  mamba.C = &Ce, mamba.D = &De, mamba.deltaBias = &biasE, mamba.deltaSoftplus = true;
  ScanResult expected = selectiveScan(mamba);
  EXPECT_TRUE(closeTo(r.y.reshaped({1, L, E}), expected.y));
  // SSD's state is [B, H, P, N]; Mamba-1's is [B, E, N] with e = h·P + p.
  EXPECT_TRUE(closeTo(r.finalState.reshaped({1, E, N}), expected.finalState));
}

TEST(ReferenceSSDScan, HeadsReadTheirOwnGroup) {
  // With G = 2 and H = 4, heads 2-3 must read group 1: zeroing group 0's B
  // zeroes heads 0-1 (no D) and leaves heads 2-3 as with B shared.
  std::mt19937 rng(13);
  const int64_t L = 5, H = 4, P = 1, N = 2;
  HostTensor x = randomTensor({1, L, H, P}, rng), dt = randomTensor({1, L, H}, rng),
             A = randomTensor({H}, rng, -1.0f, -0.1f), B = randomTensor({1, L, 2, N}, rng),
             C = randomTensor({1, L, 2, N}, rng);
  for (int64_t t = 0; t < L; ++t)
    for (int64_t n = 0; n < N; ++n)
      B.floats()[(t * 2 + 0) * N + n] = 0;
  SSDScanInputs in;
  in.x = &x, in.dt = &dt, in.A = &A, in.B = &B, in.C = &C;
  ScanResult r = ssdScan(in);
  for (int64_t t = 0; t < L; ++t) {
    EXPECT_EQ(r.y.floats()[t * H + 0], 0.0f);
    EXPECT_EQ(r.y.floats()[t * H + 1], 0.0f);
    EXPECT_NE(r.y.floats()[t * H + 2], 0.0f);
  }
}

TEST(ReferenceSSDScan, StepSizeIsClamped) {
  // dt_max = 0 forces Δ = 0: the state never moves, y = D·x.
  std::mt19937 rng(14);
  HostTensor x = randomTensor({1, 3, 2, 2}, rng), dt = randomTensor({1, 3, 2}, rng),
             A = tensor({2}, {-1, -1}), B = randomTensor({1, 3, 1, 2}, rng),
             C = randomTensor({1, 3, 1, 2}, rng), D = tensor({2}, {2, 3});
  SSDScanInputs in;
  in.x = &x, in.dt = &dt, in.A = &A, in.B = &B, in.C = &C, in.D = &D;
  in.dtSoftplus = true, in.dtMax = 0.0;
  ScanResult r = ssdScan(in);
  HostTensor expected = x;
  for (int64_t n = 0; n < x.numel(); ++n)
    expected.floats()[n] *= (n / 2) % 2 == 0 ? 2 : 3;
  EXPECT_TRUE(closeTo(r.y, expected));
}

TEST(ReferenceCausalConv1D, HandComputed) {
  // K = 2, weight [a, b] = [2, 10]: y_t = 2·x_{t-1} + 10·x_t + bias 1.
  HostTensor x = tensor({1, 3, 1}, {1, 2, 3}), w = tensor({1, 2}, {2, 10}),
             bias = tensor({1}, {1});
  ScanResult r = causalConv1d(x, w, &bias, nullptr, mlir::hybrid::Activation::identity);
  EXPECT_TRUE(closeTo(r.y, tensor({1, 3, 1}, {11, 23, 35})));
  EXPECT_TRUE(closeTo(r.finalState, tensor({1, 1, 1}, {3})));
  // Carried state [5] stands before x.
  HostTensor state = tensor({1, 1, 1}, {5});
  r = causalConv1d(x, w, &bias, &state, mlir::hybrid::Activation::identity);
  EXPECT_TRUE(closeTo(r.y, tensor({1, 3, 1}, {21, 23, 35})));
}

TEST(ReferenceCausalConv1D, ChunksWithCarriedStateEqualOnePass) {
  std::mt19937 rng(15);
  HostTensor x = randomTensor({1, 11, 5}, rng), w = randomTensor({5, 4}, rng),
             b = randomTensor({5}, rng);
  auto silu = mlir::hybrid::Activation::silu;
  ScanResult whole = causalConv1d(x, w, &b, nullptr, silu);
  ScanResult r1 = causalConv1d(timeSlice(x, 0, 2), w, &b, nullptr, silu);
  ScanResult r2 = causalConv1d(timeSlice(x, 2, 11), w, &b, &r1.finalState, silu);
  EXPECT_TRUE(closeTo(timeConcat(r1.y, r2.y), whole.y));
  EXPECT_TRUE(closeTo(r2.finalState, whole.finalState));
}

TEST(ReferenceConv2D, HandComputed) {
  // 3x3 input 1..9, 2x2 kernel of ones, stride 1: window sums.
  HostTensor in = tensor({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  HostTensor ones = tensor({1, 1, 2, 2}, {1, 1, 1, 1});
  EXPECT_TRUE(closeTo(conv2d(in, ones, nullptr, {}),
                      tensor({1, 1, 2, 2}, {12, 16, 24, 28})));
  // Padding 1, stride 2: corners of the zero-padded 5x5 input.
  Conv2DParams p;
  p.padding = {1, 1};
  p.strides = {2, 2};
  EXPECT_TRUE(closeTo(conv2d(in, ones, nullptr, p),
                      tensor({1, 1, 2, 2}, {1, 5, 11, 28})));
}

TEST(ReferenceConv2D, DepthwiseIsPerChannel) {
  // groups = C: channel c convolves only with its own filter.
  std::mt19937 rng(16);
  HostTensor in = randomTensor({1, 3, 5, 5}, rng), w = randomTensor({3, 1, 3, 3}, rng);
  Conv2DParams p;
  p.groups = 3;
  p.padding = {1, 1};
  p.strides = {2, 2};
  HostTensor out = conv2d(in, w, nullptr, p);
  for (int64_t c = 0; c < 3; ++c) {
    HostTensor inC = HostTensor::fromFloats(
        {1, 1, 5, 5}, {in.floats() + c * 25, in.floats() + (c + 1) * 25});
    HostTensor wC = HostTensor::fromFloats(
        {1, 1, 3, 3}, {w.floats() + c * 9, w.floats() + (c + 1) * 9});
    Conv2DParams single = p;
    single.groups = 1;
    HostTensor expected = conv2d(inC, wC, nullptr, single);
    for (int64_t n = 0; n < expected.numel(); ++n)
      EXPECT_NEAR(out.floats()[c * expected.numel() + n], expected.floats()[n], 1e-6);
  }
}

TEST(ReferenceMemory, ReadAddressesBySimilarity) {
  // Slots e0 and e1; a key along e1 with a huge strength reads slot 1, a zero
  // strength reads the mean.
  HostTensor memory = tensor({1, 2, 2}, {1, 0, 0, 2});
  HostTensor keys = tensor({1, 2, 2}, {0, 1, 0, 1});
  HostTensor strength = tensor({1, 2}, {1000, 0});
  EXPECT_TRUE(closeTo(memoryRead(memory, keys, strength, 1e-6),
                      tensor({1, 2, 2}, {0, 2, 0.5, 1})));
}

TEST(ReferenceMemory, WriteErasesAndAddsInOrder) {
  HostTensor memory = tensor({1, 2, 2}, {1, 0, 0, 2});
  // Write 1 replaces slot 1 (erase all, add [7, 7]); write 2 is gated off.
  HostTensor keys = tensor({1, 2, 2}, {0, 1, 0, 1});
  HostTensor strength = tensor({1, 2}, {1000, 1000});
  HostTensor erase = tensor({1, 2, 2}, {1, 1, 1, 1});
  HostTensor add = tensor({1, 2, 2}, {7, 7, 9, 9});
  HostTensor gate = tensor({1, 2}, {1, 0});
  EXPECT_TRUE(closeTo(memoryWrite(memory, keys, strength, erase, add, &gate, 1e-6),
                      tensor({1, 2, 2}, {1, 0, 7, 7}), 1e-4));
  // Without the gate, write 2 addresses the memory left by write 1: its key
  // e1 now best matches slot 1 = [7, 7] (cos 0.71) over slot 0 (cos 0).
  HostTensor result = memoryWrite(memory, keys, strength, erase, add, nullptr, 1e-6);
  EXPECT_TRUE(closeTo(result, tensor({1, 2, 2}, {1, 0, 9, 9}), 1e-4));
}

TEST(ReferenceMemory, EachTokenReadsTheWritesBeforeIt) {
  // One slot (addressing is always 1), M = 4. Token 0 reads 4, then writes
  // 4·(1 − 0.5) + 1 = 3; token 1 reads 3, then writes 3·0.5 + 1 = 2.5.
  HostTensor memory = tensor({1, 1, 1}, {4});
  HostTensor keys = tensor({1, 2, 1}, {1, 1}), strength = tensor({1, 2}, {1, 1});
  HostTensor erase = tensor({1, 2, 1}, {0.5f, 0.5f}), add = tensor({1, 2, 1}, {1, 1});
  MemoryReadWriteResult r =
      memoryReadWrite(memory, keys, strength, keys, strength, erase, add, nullptr, 1e-6);
  EXPECT_TRUE(closeTo(r.reads, tensor({1, 2, 1}, {4, 3})));
  EXPECT_TRUE(closeTo(r.memory, tensor({1, 1, 1}, {2.5f})));
}

} // namespace
