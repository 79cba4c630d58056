//===- Checkpoint.cpp - A model's weights: one file or HF shards ----------===//

#include "hybrid/Support/Checkpoint.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir::hybrid;

Checkpoint::~Checkpoint() = default;

std::unique_ptr<Checkpoint> Checkpoint::open(const std::string &path,
                                             std::string &error) {
  std::unique_ptr<Checkpoint> checkpoint(new Checkpoint());
  checkpoint->path = path;
  if (!llvm::StringRef(path).ends_with(".json")) {
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
  auto text = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!text)
    return fail("cannot open file (" + text.getError().message() + ")");
  llvm::Expected<llvm::json::Value> json = llvm::json::parse((*text)->getBuffer());
  if (!json)
    return fail("malformed JSON " + llvm::toString(json.takeError()));
  const llvm::json::Object *top = json->getAsObject();
  const llvm::json::Object *map = top ? top->getObject("weight_map") : nullptr;
  if (!map)
    return fail("expected an object with a 'weight_map' object (tensor name -> "
                "shard file)");
  llvm::SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  std::map<std::string, SafeTensors *> byFile;
  for (const auto &[key, value] : *map) {
    std::optional<llvm::StringRef> file = value.getAsString();
    if (!file || file->empty() || file->contains('/') || file->contains('\\'))
      return fail("weight_map['" + key.str() +
                  "'] must be a shard file name beside the index");
    auto it = byFile.find(file->str());
    if (it == byFile.end()) {
      llvm::SmallString<256> shardPath(dir);
      llvm::sys::path::append(shardPath, *file);
      std::string shardError;
      std::unique_ptr<SafeTensors> shard =
          SafeTensors::open(shardPath.str().str(), shardError);
      if (!shard)
        return fail("shard '" + file->str() + "' of weight_map['" + key.str() +
                    "']: " + shardError);
      it = byFile.emplace(file->str(), shard.get()).first;
      checkpoint->shards.push_back(std::move(shard));
    }
    if (!it->second->find(key.str()))
      return fail("weight_map puts '" + key.str() + "' in shard '" + file->str() +
                  "', which does not have it");
    checkpoint->shardOf[key.str()] = it->second;
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
