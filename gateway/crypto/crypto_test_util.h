// Test helpers for gateway/crypto: a temporary directory, file I/O, running the `openssl` command
// line, a small PKI (a CA and leaf certificates) made with the keyring, and a DER tree for
// forging envelopes. Tests only.
//
//   // (compiled in examples_test.cpp)
//   TempDir dir;                                   // mkdtemp under /tmp, removed afterwards
//   TestPki pki(dir);                              // CA key + self-signed CA certificate
//   TestParty alice = pki.Issue("alice", {.smime = true});
//   EXPECT_EQ(RunCommand("openssl verify -CAfile " + pki.ca_path + " " + alice.cert_path), 0);
#pragma once

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"

namespace ketenpoort::crypto::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/kp-crypto-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
      std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline void WriteFile(const std::string& path, ByteView content) {
  WriteFile(path, AsString(content));
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline Bytes ReadFileBytes(const std::string& path) {
  return ToBytes(ReadFile(path));
}

// Runs `command` with /bin/sh, output silenced, and returns its exit status (-1 if it did not
// exit normally).
inline int RunCommand(const std::string& command) {
  int status = std::system(("( " + command + " ) >/dev/null 2>&1").c_str());
  if (status == -1 || !WIFEXITED(status))
    return -1;
  return WEXITSTATUS(status);
}

// Runs `command` and returns its standard output; `exit_code` receives its exit status.
inline std::string RunCapture(const std::string& command, int* exit_code = nullptr) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) {
    if (exit_code != nullptr)
      *exit_code = -1;
    return out;
  }
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
    out.append(buf, n);
  int status = ::pclose(pipe);
  if (exit_code != nullptr)
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// A key (in the keyring and on disk) with its certificate (in memory and on disk).
struct TestParty {
  std::string id;
  std::string key_path;
  std::string cert_path;
  Certificate cert;
};

// What Issue() puts into a leaf certificate besides names and key.
struct Usage {
  bool tls_server = false;
  bool tls_client = false;
  bool smime = false;
};

// A CA made with the keyring; Issue() adds keys and leaf certificates signed by it.
struct TestPki {
  explicit TestPki(const TempDir& temp_dir, const std::string& ca_name = "ca")
      : dir(temp_dir),
        ca_id(ca_name),
        ca_key_path(temp_dir.File(ca_name + ".key")),
        ca_path(temp_dir.File(ca_name + ".pem")),
        ca(MakeCa(ca_name)) {}

  TestParty Issue(const std::string& name, Usage usage,
                  const std::vector<std::string>& dns_names = {},
                  const std::vector<std::string>& emails = {}) {
    TestParty party{name, dir.File(name + ".key"), dir.File(name + ".pem"), ca};
    auto pub = Keyring::GenerateKeyFile(party.key_path);
    if (!pub)
      ADD_FAILURE() << pub.error().ToString();
    auto loaded = keys.LoadKeyFile(name, party.key_path);
    if (!loaded)
      ADD_FAILURE() << loaded.error().ToString();
    CertificateRequest req;
    req.common_name = name;
    req.organization = "Ketenpoort test";
    req.public_key_pem = pub ? *pub : "";
    req.dns_names = dns_names;
    req.emails = emails;
    req.tls_server = usage.tls_server;
    req.tls_client = usage.tls_client;
    req.smime = usage.smime;
    auto cert = keys.IssueCertificate(ca_id, &ca, req);
    if (!cert) {
      ADD_FAILURE() << cert.error().ToString();
      return party;
    }
    party.cert = *cert;
    WriteFile(party.cert_path, party.cert.ToPem());
    return party;
  }

  const TempDir& dir;
  Keyring keys;
  std::string ca_id;
  std::string ca_key_path;
  std::string ca_path;
  Certificate ca;

 private:
  Certificate MakeCa(const std::string& name) {
    auto pub = Keyring::GenerateKeyFile(ca_key_path);
    if (!pub)
      std::abort();
    if (!keys.LoadKeyFile(ca_id, ca_key_path))
      std::abort();
    CertificateRequest req;
    req.common_name = "Test CA " + name;
    req.public_key_pem = *pub;
    req.is_ca = true;
    auto cert = keys.IssueCertificate(ca_id, nullptr, req);
    if (!cert)
      std::abort();
    WriteFile(ca_path, cert->ToPem());
    return *cert;
  }
};

// A DER element as a tree, to forge envelopes that OpenSSL would build no other way. Read and
// written with OpenSSL's ASN.1 header functions; definite lengths only (all DER is).
//
//   Der forged = Der::FromBytes(*SealCms(content, {bob.cert}));
//   Mac(forged).value.resize(4);                  // cut the GCM tag short
//   keys.DecryptCms("bob", bob.cert, forged.ToBytes());
struct Der {
  int tag = 0;
  int cls = 0;
  bool constructed = false;
  Bytes value;                // primitive
  std::vector<Der> children;  // constructed

  static bool Parse(const unsigned char*& p, long len, Der& out) {
    long n = 0;
    int r = ASN1_get_object(&p, &n, &out.tag, &out.cls, len);
    if ((r & 0x80) != 0 || r == (V_ASN1_CONSTRUCTED | 1))
      return false;
    out.constructed = (r & V_ASN1_CONSTRUCTED) != 0;
    if (!out.constructed) {
      out.value.assign(p, p + n);
      p += n;
      return true;
    }
    const unsigned char* end = p + n;
    while (p < end) {
      Der child;
      if (!Parse(p, end - p, child))
        return false;
      out.children.push_back(std::move(child));
    }
    return true;
  }

  static Der FromBytes(const Bytes& der) {
    const unsigned char* p = der.data();
    Der out;
    EXPECT_TRUE(Parse(p, static_cast<long>(der.size()), out));
    EXPECT_EQ(p, der.data() + der.size());
    return out;
  }

  Bytes ToBytes() const {
    Bytes body = value;
    if (constructed) {
      body.clear();
      for (const Der& c : children) {
        Bytes b = c.ToBytes();
        body.insert(body.end(), b.begin(), b.end());
      }
    }
    int len = static_cast<int>(body.size());
    Bytes out(static_cast<std::size_t>(ASN1_object_size(constructed ? 1 : 0, len, tag)));
    unsigned char* p = out.data();
    ASN1_put_object(&p, constructed ? 1 : 0, len, tag, cls);
    std::copy(body.begin(), body.end(), p);
    return out;
  }
};

// The AuthEnvelopedData SEQUENCE inside a ContentInfo: { contentType, [0] { SEQUENCE } }.
inline Der& AuthEnvelopedData(Der& content_info) {
  return content_info.children.at(1).children.at(0);
}

// As SealCms and DetachedSealer write it (no originatorInfo, no authenticated attributes), an
// AuthEnvelopedData is { version, recipientInfos, authEncryptedContentInfo, mac }.
inline Der& Mac(Der& content_info) {
  Der& aed = AuthEnvelopedData(content_info);
  EXPECT_EQ(aed.children.size(), 4u);
  return aed.children.back();
}

// authEncryptedContentInfo { contentType, contentEncryptionAlgorithm, [0] encryptedContent }
// (no encryptedContent when detached).
inline Der& ContentEncryptionAlgorithm(Der& content_info) {
  Der& eci = AuthEnvelopedData(content_info).children.at(2);
  EXPECT_GE(eci.children.size(), 2u);
  EXPECT_LE(eci.children.size(), 3u);
  return eci.children.at(1);
}

inline Der Primitive(int tag, Bytes value) {
  Der d;
  d.tag = tag;
  d.value = std::move(value);
  return d;
}

inline Der ObjectId(const char* name) {
  ASN1_OBJECT* obj = OBJ_txt2obj(name, 0);  // a static table entry for a known name
  EXPECT_NE(obj, nullptr);
  const unsigned char* data = OBJ_get0_data(obj);
  Der d = Primitive(V_ASN1_OBJECT, Bytes(data, data + OBJ_length(obj)));
  ASN1_OBJECT_free(obj);
  return d;
}

}  // namespace ketenpoort::crypto::testing
