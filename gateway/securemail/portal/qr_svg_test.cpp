#include "gateway/securemail/portal/qr_svg.h"

#include <gtest/gtest.h>
#include <qrencode.h>

#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>

namespace ketenpoort::portal {
namespace {

const std::string kUri =
    "otpauth://totp/Ketenpoort:a@example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    "&issuer=Ketenpoort&algorithm=SHA1&digits=6&period=30";

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

// The viewBox's side, in modules.
int ViewBoxSide(const std::string& svg) {
  const std::string open = "viewBox=\"0 0 ";
  const auto at = svg.find(open);
  EXPECT_NE(at, std::string::npos);
  std::istringstream in(svg.substr(at + open.size()));
  int w = 0, h = 0;
  in >> w >> h;
  EXPECT_EQ(w, h);
  return w;
}

// The names of every attribute in `svg` (name="value" pairs).
std::set<std::string> AttributeNames(const std::string& svg) {
  std::set<std::string> names;
  for (std::size_t i = 1; i + 1 < svg.size(); ++i) {
    if (svg[i] != '=' || svg[i + 1] != '"')
      continue;
    std::size_t start = i;
    while (start > 0 && svg[start - 1] != ' ')
      --start;
    names.insert(svg.substr(start, i - start));
  }
  return names;
}

// The dark modules the path draws, as (x, y) in symbol coordinates (quiet zone removed).
// Parsed by hand: std::regex recurses per character and overflows the stack on long paths.
std::set<std::pair<int, int>> DrawnModules(const std::string& svg) {
  const std::string open = "<path fill=\"#000\" d=\"";
  const auto begin = svg.find(open);
  EXPECT_NE(begin, std::string::npos);
  const auto end = svg.find("\"/>", begin);
  std::istringstream path(svg.substr(begin + open.size(), end - begin - open.size()));
  std::set<std::pair<int, int>> modules;
  char m = 0, h = 0, v = 0, h2 = 0, z = 0;
  int x = 0, y = 0, run = 0, one = 0, back = 0;
  while (path >> m >> x >> y >> h >> run >> v >> one >> h2 >> back >> z) {
    EXPECT_EQ(std::string({m, h, v, h2, z}), "Mhvhz");
    EXPECT_EQ(one, 1);
    EXPECT_EQ(back, -run);
    EXPECT_GT(run, 0);
    for (int i = 0; i < run; ++i)
      modules.insert({x - 4 + i, y - 4});
  }
  EXPECT_TRUE(path.eof()) << "the path holds only runs";
  return modules;
}

// What libqrencode itself says the dark modules are, and the symbol's width.
std::pair<std::set<std::pair<int, int>>, int> ExpectedModules(const std::string& text) {
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M),
      QRcode_free);
  EXPECT_NE(code, nullptr);
  std::set<std::pair<int, int>> modules;
  for (int y = 0; y < code->width; ++y)
    for (int x = 0; x < code->width; ++x)
      if (code->data[y * code->width + x] & 1)
        modules.insert({x, y});
  return {modules, code->width};
}

TEST(QrSvgTest, IsOneSelfContainedSvgWithOnePath) {
  auto svg = QrSvg(kUri);
  ASSERT_TRUE(svg.ok()) << svg.error().ToString();
  EXPECT_EQ(svg->rfind("<svg ", 0), 0u);
  EXPECT_EQ(svg->substr(svg->size() - 6), "</svg>");
  EXPECT_EQ(Count(*svg, "<svg"), 1u);
  EXPECT_EQ(Count(*svg, "<path"), 1u);
  EXPECT_NE(svg->find("shape-rendering=\"crispEdges\""), std::string::npos);
  EXPECT_NE(svg->find("role=\"img\""), std::string::npos);
  EXPECT_NE(svg->find("aria-label=\""), std::string::npos);
  for (const char* banned :
       {"<script", "href", "url(", "style", "<image", "<use", "<foreign", "javascript:"})
    EXPECT_EQ(svg->find(banned), std::string::npos) << banned;
  const std::set<std::string> allowed = {
      "xmlns", "viewBox", "width", "height", "shape-rendering", "role", "aria-label", "fill", "d"};
  const std::set<std::string> names = AttributeNames(*svg);
  EXPECT_EQ(names.size(), allowed.size());
  for (const std::string& name : names)
    EXPECT_TRUE(allowed.count(name)) << name;  // so no event handler, no style, no link
  EXPECT_EQ(svg->find("GEZDGNBV"), std::string::npos) << "the secret is not in the markup";
}

TEST(QrSvgTest, DrawsExactlyLibqrencodesModulesInsideAQuietZone) {
  for (const std::string& text : {std::string("a"), kUri, std::string(700, 'x')}) {
    auto svg = QrSvg(text);
    ASSERT_TRUE(svg.ok());
    auto [expected, width] = ExpectedModules(text);
    EXPECT_EQ(ViewBoxSide(*svg), width + 8);
    EXPECT_NE(svg->find("width=\"" + std::to_string((width + 8) * 4) + "\""), std::string::npos);
    EXPECT_EQ(DrawnModules(*svg), expected);
  }
}

TEST(QrSvgTest, GrowsWithTheText) {
  auto small = QrSvg("a");
  auto uri = QrSvg(kUri);
  auto large = QrSvg(std::string(1000, 'x'));
  ASSERT_TRUE(small.ok() && uri.ok() && large.ok());
  EXPECT_EQ(ViewBoxSide(*small), 21 + 8);  // version 1
  EXPECT_LT(ViewBoxSide(*small), ViewBoxSide(*uri));
  EXPECT_LT(ViewBoxSide(*uri), ViewBoxSide(*large));
  EXPECT_LT(small->size(), large->size());
}

TEST(QrSvgTest, IsDeterministic) {
  auto a = QrSvg(kUri);
  auto b = QrSvg(kUri);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  auto other = QrSvg(kUri + "x");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*a, *other);
}

TEST(QrSvgTest, EncodesBytesIncludingNul) {
  const std::string with_nul("ab\0cd", 5);
  auto svg = QrSvg(with_nul);
  ASSERT_TRUE(svg.ok());
  EXPECT_EQ(DrawnModules(*svg), ExpectedModules(with_nul).first);
  EXPECT_NE(*svg, *QrSvg("ab"));
}

TEST(QrSvgTest, RefusesEmptyAndTooLongText) {
  auto empty = QrSvg("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "qr_empty");
  EXPECT_TRUE(QrSvg(std::string(2331, 'x')).ok());  // the most version 40-M holds
  auto too_long = QrSvg(std::string(2332, 'x'));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, "qr_too_large");
  EXPECT_EQ(too_long.error().kind, ErrorKind::kTooLarge);
}

}  // namespace
}  // namespace ketenpoort::portal
