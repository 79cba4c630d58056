//===- SafeTensorsTest.cpp - Reading .safetensors images ------------------===//
//
// Images are built byte by byte here, in the layout Hugging Face's
// safetensors library writes: u64 header length, JSON header, data.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Support/SafeTensors.h"


#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

using namespace mlir::hybrid;

namespace {

std::unique_ptr<MappedFile> image(const std::string &header,
                                          const std::string &data) {
  std::string bytes(8, '\0');
  uint64_t length = header.size();
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  bytes += header + data;
  return MappedFile::fromString(bytes);
}

std::string floats(std::initializer_list<float> values) {
  std::string out;
  for (float v : values)
    out.append(reinterpret_cast<const char *>(&v), 4);
  return out;
}

TEST(SafeTensors, ReadsF32F16AndBF16AsFloat) {
  // a: F32 [2, 2] at [0, 16); b: F16 [2] = {1.0, -2.0} at [16, 20);
  // c: BF16 [1] = {1.5} at [20, 22).
  std::string data = floats({1, 2, 3, 4}) +
                     std::string("\x00\x3c\x00\xc0", 4) + std::string("\xc0\x3f", 2);
  std::string header =
      R"({"__metadata__":{"format":"pt"},)"
      R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("b":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},)"
      R"("c":{"dtype":"BF16","shape":[1],"data_offsets":[20,22]}})";
  std::string error;
  auto file = SafeTensors::parse(image(header, data), "model.safetensors", error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->names(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(file->metadata().at("format"), "pt");
  HostTensor t;
  ASSERT_TRUE(file->read("a", t, error, {2, 2})) << error;
  EXPECT_EQ(t.typeString(), "2x2xf32");
  EXPECT_EQ(t.floats()[3], 4.0f);
  ASSERT_TRUE(file->read("b", t, error)) << error;
  EXPECT_EQ(t.floats()[0], 1.0f);
  EXPECT_EQ(t.floats()[1], -2.0f);
  ASSERT_TRUE(file->read("c", t, error)) << error;
  EXPECT_EQ(t.floats()[0], 1.5f);
}

TEST(SafeTensors, MissingAndMisshapenWeightsAreNamed) {
  std::string header = R"({"w":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]}})";
  std::string error;
  auto file = SafeTensors::parse(image(header, std::string(48, '\0')),
                                 "model.safetensors", error);
  ASSERT_TRUE(file) << error;
  HostTensor t;
  EXPECT_FALSE(file->read("v", t, error));
  EXPECT_EQ(error, "model.safetensors: missing weight 'v'");
  EXPECT_FALSE(file->read("w", t, error, {4, 4}));
  EXPECT_EQ(error, "model.safetensors: weight 'w' has shape [3, 4], expected [4, 4]");
}

TEST(SafeTensors, RejectsMalformedFilesWithAClearMessage) {
  struct Case {
    const char *what;
    std::unique_ptr<MappedFile> bytes;
    const char *message;
  };
  std::vector<Case> cases;
  cases.push_back({"short", MappedFile::fromString("abc"),
                   "not a safetensors file"});
  {
    std::string bytes(8, '\0');
    bytes[0] = 100; // claims 100 header bytes, has 2
    bytes += "{}";
    cases.push_back({"header past end", MappedFile::fromString(bytes),
                     "header length 100 runs past the end of the file (10 bytes)"});
  }
  cases.push_back({"bad json", image("{\"a\": [1,", ""), "malformed JSON header"});
  cases.push_back({"not object", image("[1, 2]", ""), "the JSON header is not an object"});
  // __metadata__ is a map of strings to strings, as the safetensors library reads it.
  cases.push_back({"metadata string", image(R"({"__metadata__":"pt"})", ""),
                   "'__metadata__' must be an object of strings"});
  cases.push_back({"metadata nested", image(R"({"__metadata__":{"format":{"a":1}}})", ""),
                   "'__metadata__.format' must be a string"});
  cases.push_back({"no dtype", image(R"({"a":{"shape":[1],"data_offsets":[0,4]}})",
                                     std::string(4, '\0')),
                   "tensor 'a': needs 'dtype', 'shape' and two 'data_offsets'"});
  cases.push_back({"past data", image(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                                      std::string(8, '\0')),
                   "tensor 'a': data_offsets [0, 16) run past the 8 bytes of data"});
  cases.push_back({"size mismatch", image(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                                          std::string(8, '\0')),
                   "tensor 'a': holds 8 bytes, but F32 [3] needs 12"});
  cases.push_back({"unknown dtype", image(R"({"a":{"dtype":"F7","shape":[1],"data_offsets":[0,1]}})",
                                          std::string(1, '\0')),
                   "tensor 'a': unknown dtype 'F7'"});
  cases.push_back({"negative dim", image(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", ""),
                   "tensor 'a': shape entries must be non-negative integers"});
  // 2^32 · 2^32 F32 elements wrap to 0 bytes: must not match empty offsets.
  cases.push_back({"shape overflow",
                   image(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", ""),
                   "tensor 'a': shape [4294967296, 4294967296] has more bytes than a 64-bit count holds"});
  cases.push_back({"overlap", image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                      R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                      std::string(8, '\0')),
                   "tensor 'b': data_offsets [4, 8) overlap tensor 'a'"});
  cases.push_back({"gap", image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                  std::string(8, '\0')),
                   "tensor 'a' starts at byte 4 of the data, leaving a gap after the header"});
  {
    // The header length one byte short: the JSON still parses (the header
    // is padded with spaces, as HF pads it), but every offset would shift.
    std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}  )";
    std::string bytes(8, '\0');
    bytes[0] = static_cast<char>(header.size() - 1);
    bytes += header + floats({1.5f});
    cases.push_back({"header length off by one",
                     MappedFile::fromString(bytes),
                     "the tensors cover 4 bytes of the 5 bytes after the header"});
  }
  for (Case &c : cases) {
    std::string error;
    EXPECT_FALSE(SafeTensors::parse(std::move(c.bytes), "m.safetensors", error)) << c.what;
    EXPECT_NE(error.find(c.message), std::string::npos)
        << c.what << ": got '" << error << "'";
    EXPECT_EQ(error.rfind("m.safetensors: ", 0), 0u) << "names the file: " << error;
  }
}

TEST(SafeTensors, IntegerWeightsAreNotReadAsFloats) {
  std::string header = R"({"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})";
  std::string error;
  auto file = SafeTensors::parse(image(header, std::string(16, '\0')), "m.safetensors", error);
  ASSERT_TRUE(file) << error;
  HostTensor t;
  EXPECT_FALSE(file->read("ids", t, error));
  EXPECT_EQ(error, "m.safetensors: weight 'ids' has dtype I64; expected F32, F16 or BF16");
}

TEST(SafeTensors, MissingFileIsAnError) {
  std::string error;
  EXPECT_FALSE(SafeTensors::open("/nonexistent/model.safetensors", error));
  EXPECT_EQ(error.rfind("/nonexistent/model.safetensors: cannot open file", 0), 0u) << error;
}

} // namespace

namespace {
TEST(SafeTensors, WriteThenReadRoundTrips) {
  std::string path = std::string(::testing::TempDir()) + "/roundtrip.safetensors";
  HostTensor a = HostTensor::fromFloats({2, 3}, {1, 2, 3, 4, 5, -6.5f});
  HostTensor b = HostTensor::fromFloats({1}, {42});
  std::string error;
  ASSERT_TRUE(SafeTensors::write(path, {{"layer.a", a}, {"b", b}}, error)) << error;
  auto file = SafeTensors::open(path, error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->names(), (std::vector<std::string>{"b", "layer.a"}));
  EXPECT_EQ(file->metadata().at("format"), "pt");
  HostTensor back;
  ASSERT_TRUE(file->read("layer.a", back, error, {2, 3})) << error;
  EXPECT_EQ(0, std::memcmp(back.floats(), a.floats(), 6 * 4));
  ASSERT_TRUE(file->read("b", back, error)) << error;
  EXPECT_EQ(back.floats()[0], 42.0f);
  std::remove(path.c_str());
}
} // namespace

TEST(SafeTensors, WriteFailureIsAnError) {
  std::string error;
  EXPECT_FALSE(SafeTensors::write("/dev/full", {{"a", HostTensor::fromFloats({1}, {1})}},
                                  error));
  EXPECT_NE(error.find("/dev/full: writing failed"), std::string::npos) << error;
}
