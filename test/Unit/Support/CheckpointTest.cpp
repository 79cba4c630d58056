//===- CheckpointTest.cpp - Sharded checkpoints and model directories -----===//

#include "hybrid/Support/Checkpoint.h"
#include "hybrid/Support/ModelDirectory.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace mlir::hybrid;

namespace {
/// A fresh directory with two shards, a.safetensors {x} and b.safetensors
/// {y, z}, and `index` as model.safetensors.index.json.
struct ShardedDir {
  std::string dir;
  explicit ShardedDir(const std::string &index) {
    llvm::SmallString<128> path;
    EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("hybrid-ckpt", path));
    dir = path.str().str();
    std::string error;
    EXPECT_TRUE(SafeTensors::write(
        dir + "/a.safetensors", {{"x", HostTensor::fromFloats({2}, {1, 2})}}, error));
    EXPECT_TRUE(SafeTensors::write(dir + "/b.safetensors",
                                   {{"y", HostTensor::fromFloats({1}, {3})},
                                    {"z", HostTensor::fromFloats({1}, {4})}},
                                   error));
    write("model.safetensors.index.json", index);
  }
  void write(const std::string &name, const std::string &text) {
    std::error_code ec;
    llvm::raw_fd_ostream out(dir + "/" + name, ec);
    ASSERT_FALSE(ec) << name << ": " << ec.message();
    out << text;
  }
  std::string index() const { return dir + "/model.safetensors.index.json"; }
  ~ShardedDir() { llvm::sys::fs::remove_directories(dir); }
};

const char *goodIndex =
    R"({"metadata": {}, "weight_map": {"x": "a.safetensors", "y": "b.safetensors", "z": "b.safetensors"}})";
} // namespace

TEST(Checkpoint, ReadsTensorsFromTheirShards) {
  ShardedDir d(goodIndex);
  std::string error;
  std::unique_ptr<Checkpoint> c = Checkpoint::open(d.index(), error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->numShards(), 2u);
  EXPECT_EQ(c->names(), (std::vector<std::string>{"x", "y", "z"}));
  HostTensor t;
  ASSERT_TRUE(c->read("x", t, error, {2})) << error;
  EXPECT_EQ(t.floats()[1], 2.0f);
  ASSERT_TRUE(c->read("z", t, error)) << error;
  EXPECT_EQ(t.floats()[0], 4.0f);
  EXPECT_FALSE(c->read("w", t, error));
  EXPECT_NE(error.find("missing weight 'w'"), std::string::npos) << error;
}

TEST(Checkpoint, RefusesAMissingShard) {
  ShardedDir d(R"({"weight_map": {"x": "a.safetensors", "y": "c.safetensors"}})");
  std::string error;
  EXPECT_FALSE(Checkpoint::open(d.index(), error));
  EXPECT_NE(error.find("shard 'c.safetensors' of weight_map['y']"), std::string::npos)
      << error;
}

TEST(Checkpoint, RefusesAnIndexThatDisagreesWithItsShards) {
  {
    ShardedDir d(R"({"weight_map": {"x": "b.safetensors", "y": "b.safetensors", "z": "b.safetensors"}})");
    std::string error;
    EXPECT_FALSE(Checkpoint::open(d.index(), error));
    EXPECT_NE(error.find("puts 'x' in shard 'b.safetensors', which does not have it"),
              std::string::npos)
        << error;
  }
  {
    // z is in b.safetensors, but the index does not say so.
    ShardedDir d(R"({"weight_map": {"x": "a.safetensors", "y": "b.safetensors"}})");
    std::string error;
    EXPECT_FALSE(Checkpoint::open(d.index(), error));
    EXPECT_NE(error.find("shard 'b.safetensors' has 'z', which weight_map does not put there"),
              std::string::npos)
        << error;
  }
  {
    ShardedDir d(R"({"weight_map": {"x": "../a.safetensors"}})");
    std::string error;
    EXPECT_FALSE(Checkpoint::open(d.index(), error));
    EXPECT_NE(error.find("must be a shard file name beside the index"), std::string::npos)
        << error;
  }
  {
    ShardedDir d(R"({"weights": {}})");
    std::string error;
    EXPECT_FALSE(Checkpoint::open(d.index(), error));
    EXPECT_NE(error.find("'weight_map'"), std::string::npos) << error;
  }
}

TEST(ModelDirectory, FindsConfigWeightsAndGenerationIds) {
  ShardedDir d(goodIndex);
  ModelDirectory m;
  std::string error;
  EXPECT_FALSE(openModelDirectory(d.dir, m, error));
  EXPECT_NE(error.find("no config.json"), std::string::npos) << error;

  d.write("config.json", R"({"model_type": "mamba", "eos_token_id": 7})");
  ASSERT_TRUE(openModelDirectory(d.dir, m, error)) << error;
  EXPECT_EQ(m.weights, d.index());
  EXPECT_EQ(m.eosTokenIds, (std::vector<int64_t>{7})); // from config.json
  EXPECT_FALSE(m.padTokenId);

  // generation_config.json decides when present; a list of eos ids.
  d.write("generation_config.json", R"({"eos_token_id": [1, 107], "pad_token_id": 0})");
  ASSERT_TRUE(openModelDirectory(d.dir, m, error)) << error;
  EXPECT_EQ(m.eosTokenIds, (std::vector<int64_t>{1, 107}));
  EXPECT_EQ(m.padTokenId, 0);

  d.write("generation_config.json", R"({"eos_token_id": "end"})");
  EXPECT_FALSE(openModelDirectory(d.dir, m, error));
  EXPECT_NE(error.find("'eos_token_id' must be a non-negative integer or a list of them"),
            std::string::npos)
      << error;
}
