#include "gateway/cli/attachment_files.h"
#include "gateway/client/api_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "gateway/crypto/detached_envelope.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/hash.h"

namespace ketenpoort::cli {

namespace {

using nlohmann::json;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// A new file (O_EXCL, 0600) opened for writing.
Result<File> CreateNew(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return InvalidArgument("file_exists", "cannot create a new file (does it exist?)", path);
  File f(::fdopen(fd, "wb"));
  if (!f) {
    ::close(fd);
    return Unavailable("write_failed", "cannot write " + path);
  }
  return f;
}

bool IsSafeName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

Status Close(File f, const std::string& path) {
  if (std::fflush(f.get()) != 0 || ::fsync(::fileno(f.get())) != 0 || std::fclose(f.release()) != 0)
    return Unavailable("write_failed", "cannot write " + path);
  return Ok();
}

// Fetches, decrypts and checks one uploaded attachment into `path`.
Status SaveUploaded(const OrgSession& s, const std::string& message_id, const json& a,
                    const std::string& path) {
  const std::string id = a.value("attachment_id", "");
  auto envelope = crypto::Base64Decode(a.value("envelope", ""));
  auto sha = crypto::HexDecode(a.value("sha256", ""));
  if (id.empty() || !envelope || !sha || !a.contains("size") || !a["size"].is_number_unsigned())
    return Refused("invalid_document", "an uploaded attachment lacks its id, envelope or hash");
  const std::string part = path + ".part";
  {
    KP_ASSIGN_OR_RETURN(File f, CreateNew(part));
    auto got = s.client().DownloadTo("/v1/messages/" + client::PercentEncode(message_id) +
                                         "/attachments/" + client::PercentEncode(id),
                                     f.get());
    Status closed = Close(std::move(f), part);
    if (!got || !closed) {
      ::unlink(part.c_str());
      return !got ? Status(std::move(got).error()) : closed;
    }
  }
  Status result = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(crypto::UnlockedEnvelope key,
                        s.keyring().UnlockEnvelope(s.key_id(), s.certificate(), *envelope));
    KP_ASSIGN_OR_RETURN(crypto::DetachedReader reader,
                        crypto::DetachedReader::Open(std::move(key), part));
    KP_ASSIGN_OR_RETURN(File out, CreateNew(path));
    crypto::Sha256Stream hash;
    std::uint64_t size = 0;
    std::vector<std::uint8_t> buffer(256 * 1024);
    Status copied = [&]() -> Status {
      for (;;) {
        KP_ASSIGN_OR_RETURN(std::size_t n, reader.Read(buffer));
        if (n == 0)
          return Ok();
        hash.Update(ByteView(buffer.data(), n));
        size += n;
        if (std::fwrite(buffer.data(), 1, n, out.get()) != n)
          return Unavailable("write_failed", "cannot write " + path);
      }
    }();
    if (copied)
      copied = Close(std::move(out), path);
    const crypto::Digest digest = hash.Finish();
    if (copied &&
        (size != a["size"].get<std::uint64_t>() || !crypto::ConstantTimeEqual(digest, *sha))) {
      copied = Refused("attachment_mismatch",
                       "the file does not match the size and SHA-256 its sender signed");
    }
    if (!copied)
      ::unlink(path.c_str());
    return copied;
  }();
  ::unlink(part.c_str());
  return result;
}

}  // namespace

Result<std::vector<std::string>> SaveAttachments(const OrgSession& s, const std::string& message_id,
                                                 ByteView content, const std::string& folder) {
  json doc = json::parse(content.begin(), content.end(), nullptr, false);
  auto list = doc.is_object() ? doc.find("attachments") : doc.end();
  std::vector<std::string> saved;
  if (list == doc.end() || !list->is_array())
    return saved;
  // Refuse the whole set before writing anything when a name is unsafe or taken.
  for (const json& a : *list) {
    const std::string name = a.is_object() ? a.value("name", "") : "";
    if (!IsSafeName(name))
      return Refused("unsafe_file_name", "an attachment's name could leave the folder");
    struct stat st {};
    if (::lstat((folder + "/" + name).c_str(), &st) == 0)
      return InvalidArgument("file_exists", "refusing to overwrite an existing file",
                             folder + "/" + name);
  }
  for (const json& a : *list) {
    const std::string path = folder + "/" + a.value("name", "");
    if (a.contains("data")) {
      auto data = crypto::Base64Decode(a["data"].is_string() ? a["data"].get<std::string>() : "");
      if (!data)
        return Refused("invalid_document", "an inline attachment is not base64");
      KP_ASSIGN_OR_RETURN(File f, CreateNew(path));
      if (std::fwrite(data->data(), 1, data->size(), f.get()) != data->size())
        return Unavailable("write_failed", "cannot write " + path);
      KP_RETURN_IF_ERROR(Close(std::move(f), path));
    } else {
      KP_RETURN_IF_ERROR(SaveUploaded(s, message_id, a, path));
    }
    saved.push_back(path);
  }
  return saved;
}

}  // namespace ketenpoort::cli
