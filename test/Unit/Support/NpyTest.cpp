//===- NpyTest.cpp - .npy reading and writing -----------------------------===//

#include "hybrid/Support/Npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace mlir::hybrid;

namespace {

/// A version-1.0 .npy image with the given header dictionary and data.
std::string npyImage(const std::string &dict, const std::string &data) {
  std::string header = dict;
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  return bytes + header + data;
}

/// The same image with its header length one byte short: the dictionary
/// still parses, and the data would start one byte early.
std::string shortHeader(std::string bytes) {
  bytes[8] = static_cast<char>(bytes[8] - 1);
  return bytes;
}

std::string tempPath(const char *name) {
  return std::string(::testing::TempDir()) + "/" + name;
}

TEST(Npy, RoundTripsEveryWrittenType) {
  std::string error;
  HostTensor f = HostTensor::fromFloats({2, 3}, {1, -2.5f, 3, 4, 5, 6e-8f});
  HostTensor i32 = HostTensor::fromInts({4}, {1, -2, 3, 2147483647}, DType::I32);
  HostTensor i64 = HostTensor::fromInts({1, 2}, {-(1ll << 40), 7}, DType::I64);
  HostTensor scalar = HostTensor::fromFloats({}, {42});
  for (const HostTensor &t : {f, i32, i64, scalar}) {
    std::string path = tempPath("roundtrip.npy");
    ASSERT_TRUE(writeNpy(path, t, error)) << error;
    HostTensor back;
    ASSERT_TRUE(readNpy(path, back, error)) << error;
    EXPECT_EQ(back.typeString(), t.typeString());
    if (t.isFloat())
      EXPECT_EQ(0, std::memcmp(back.floats(), t.floats(), 4 * t.numel()));
    else
      EXPECT_EQ(0, std::memcmp(back.ints(), t.ints(), 8 * t.numel()));
    std::remove(path.c_str());
  }
}

TEST(Npy, ReadsHalfAndBfloat16AsFloat) {
  // f16: 1.0 = 0x3c00, -2.0 = 0xc000, 2^-24 (smallest subnormal) = 0x0001.
  const char half[] = {0x00, 0x3c, 0x00, static_cast<char>(0xc0), 0x01, 0x00};
  HostTensor t;
  std::string error;
  ASSERT_TRUE(parseNpy(npyImage("{'descr': '<f2', 'fortran_order': False, "
                                "'shape': (3,), }",
                                std::string(half, 6)),
                       "half", t, error))
      << error;
  EXPECT_EQ(t.floats()[0], 1.0f);
  EXPECT_EQ(t.floats()[1], -2.0f);
  EXPECT_EQ(t.floats()[2], std::ldexp(1.0f, -24));
  // bf16 (ml_dtypes saves it as 2-byte void): 1.5 = 0x3fc0.
  const char bf16[] = {static_cast<char>(0xc0), 0x3f};
  ASSERT_TRUE(parseNpy(npyImage("{'descr': '|V2', 'fortran_order': False, "
                                "'shape': (1, 1), }",
                                std::string(bf16, 2)),
                       "bf16", t, error))
      << error;
  EXPECT_EQ(t.typeString(), "1x1xf32");
  EXPECT_EQ(t.floats()[0], 1.5f);
}

struct BadCase {
  const char *what;
  std::string bytes;
  const char *message;
};

TEST(Npy, RejectsBadFilesWithAClearMessage) {
  const std::string dict = "'fortran_order': False, 'shape': (2,), }";
  std::vector<BadCase> cases = {
      {"not npy", "hello world, not numpy", "not a .npy file"},
      {"float64", npyImage("{'descr': '<f8', " + dict, std::string(16, '\0')),
       "unsupported dtype '<f8'; expected float32, float16, bfloat16, int32 "
       "or int64"},
      {"big endian", npyImage("{'descr': '>f4', " + dict, std::string(8, '\0')),
       "big-endian dtype '>f4' is not supported"},
      {"fortran",
       npyImage("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",
                std::string(8, '\0')),
       "Fortran-ordered arrays are not supported"},
      {"truncated", npyImage("{'descr': '<f4', " + dict, std::string(5, '\0')),
       "truncated data: 2 elements of 4 bytes need 8 bytes, the file has 5"},
      {"no shape", npyImage("{'descr': '<f4', 'fortran_order': False, }", ""),
       "malformed .npy header"},
      {"trailing", npyImage("{'descr': '<f4', " + dict, std::string(12, '\0')),
       "trailing bytes after the data: 2 elements of 4 bytes need 8 bytes, the file has 12"},
      {"header length off by one", shortHeader(npyImage("{'descr': '<f4', " + dict,
                                                         std::string(8, '\0'))),
       "does not end it at a newline on a 16-byte boundary"},
      // Found by fuzz-npy: strtoll read "6e" as 6.
      {"junk in a dimension",
       npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 6e), }",
                std::string(24, '\0')),
       "malformed shape (1, 6e)"},
      // numpy's keys exactly, once each (a Python dict keeps the last of a
      // repeated key: read otherwise, the data would be read as another dtype).
      {"repeated key",
       npyImage("{'descr': '<i8', 'descr': '<i4', " + dict, std::string(16, '\0')),
       "numpy's keys are exactly 'descr', 'fortran_order' and 'shape', once each"},
      {"extra key", npyImage("{'descr': '<f4', 'extra': 1, " + dict, std::string(8, '\0')),
       "numpy's keys are exactly 'descr', 'fortran_order' and 'shape', once each"},
      {"quoted fortran_order",
       npyImage("{'descr': '<f4', 'fortran_order': 'False', 'shape': (2,), }",
                std::string(8, '\0')),
       "'fortran_order' must be True or False, got False"},
      // 2^32 · 2^32 elements wrap to 0 bytes: must not match an empty file.
      {"shape overflow",
       npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                ""),
       "has more bytes than a 64-bit count holds"},
  };
  for (const BadCase &c : cases) {
    HostTensor t;
    std::string error;
    EXPECT_FALSE(parseNpy(c.bytes, "x.npy", t, error)) << c.what;
    EXPECT_NE(error.find(c.message), std::string::npos)
        << c.what << ": got '" << error << "'";
    EXPECT_EQ(error.rfind("x.npy: ", 0), 0u) << "names the file: " << error;
  }
}

TEST(Npy, MissingFileIsAnError) {
  HostTensor t;
  std::string error;
  EXPECT_FALSE(readNpy("/nonexistent/dir/file.npy", t, error));
  EXPECT_EQ(error, "/nonexistent/dir/file.npy: cannot open file (No such file or directory)");
}

} // namespace

TEST(Npy, WriteFailureIsAnError) {
  std::string error;
  EXPECT_FALSE(writeNpy("/dev/full", HostTensor::fromFloats({2}, {1, 2}), error));
  EXPECT_NE(error.find("/dev/full: write failed"), std::string::npos) << error;
}
