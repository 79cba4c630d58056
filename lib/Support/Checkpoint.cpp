//===- Checkpoint.cpp - A model's weights: one file or HF shards ----------===//

#include "hybrid/Support/Checkpoint.h"

#include "hybrid/Support/Json.h"
#include "hybrid/Support/MappedFile.h"

using namespace mlir::hybrid;

Checkpoint::~Checkpoint() = default;

std::unique_ptr<Checkpoint> Checkpoint::open(const std::string &path,
                                             std::string &error) {
  std::unique_ptr<Checkpoint> checkpoint(new Checkpoint());
  checkpoint->path = path;
  if (path.size() < 5 || path.compare(path.size() - 5, 5, ".json") != 0) {
    std::unique_ptr<SafeTensors> file = SafeTensors::open(path, error);
    if (!file)
      return nullptr;
    for (const std::string &name : file->names())
      checkpoint->shardOf[name] = file.get();
    checkpoint->shards.push_back(std::move(file));
    return checkpoint;
  }

  // model.safetensors.index.json: {"weight_map": {tensor: shard}}.
  auto fail = [&](const std::string &problem) {
    error = path + ": " + problem;
    return nullptr;
  };
  std::string text, jsonError;
  if (!readTextFile(path, text, error))
    return nullptr;
  json::Value top;
  if (!json::parse(text, top, jsonError))
    return fail("malformed JSON (" + jsonError + ")");
  const json::Value *map = top.isObject() ? top.get("weight_map") : nullptr;
  if (!map || !map->isObject())
    return fail("expected an object with a 'weight_map' object (tensor name -> "
                "shard file)");
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::map<std::string, SafeTensors *> byFile;
  for (const auto &[key, value] : map->object) {
    std::optional<std::string> file = value.asString();
    if (!file || file->empty() || file->find('/') != std::string::npos ||
        file->find('\\') != std::string::npos)
      return fail("weight_map['" + key + "'] must be a shard file name beside the index");
    auto it = byFile.find(*file);
    if (it == byFile.end()) {
      std::string shardError;
      std::unique_ptr<SafeTensors> shard = SafeTensors::open(dir + *file, shardError);
      if (!shard)
        return fail("shard '" + *file + "' of weight_map['" + key + "']: " + shardError);
      it = byFile.emplace(*file, shard.get()).first;
      checkpoint->shards.push_back(std::move(shard));
    }
    if (!it->second->find(key))
      return fail("weight_map puts '" + key + "' in shard '" + *file +
                  "', which does not have it");
    checkpoint->shardOf[key] = it->second;
  }
  // A shard's tensor that the index does not map to that shard is a sign of
  // mixed-up files: refuse rather than pick one.
  for (const auto &[file, shard] : byFile)
    for (const std::string &name : shard->names())
      if (checkpoint->shardOf[name] != shard)
        return fail("shard '" + file + "' has '" + name +
                    "', which weight_map does not put there");
  return checkpoint;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (const auto &entry : shardOf)
    out.push_back(entry.first);
  return out;
}

bool Checkpoint::read(const std::string &name, HostTensor &tensor,
                      std::string &error,
                      const std::vector<int64_t> &expectedShape) const {
  auto it = shardOf.find(name);
  if (it == shardOf.end()) {
    error = path + ": missing weight '" + name + "'";
    return false;
  }
  return it->second->read(name, tensor, error, expectedShape);
}
