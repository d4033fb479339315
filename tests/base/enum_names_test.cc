// EnumNames: a name for every value in the table, its exact inverse, the
// list messages show, and a table less one value.
#include "base/enum_names.h"

#include <gtest/gtest.h>

namespace bdb {
namespace {

enum class Colour { kRed, kGreen, kBlue, kUnnamed };
const EnumNames<Colour> kColourNames = {{"red", Colour::kRed}, {"green", Colour::kGreen}, {"blue", Colour::kBlue}};

TEST(EnumNamesTest, NamesAndTheirExactInverse) {
  for (const auto& [name, value] : kColourNames) {
    EXPECT_EQ(NameOf(kColourNames, value), name);
    Colour parsed = Colour::kUnnamed;
    ASSERT_TRUE(ParseName(kColourNames, name, &parsed)) << name;
    EXPECT_EQ(parsed, value);
  }
  EXPECT_STREQ(NameOf(kColourNames, Colour::kUnnamed), "?");
  Colour untouched = Colour::kGreen;
  for (const char* bad : {"Red", "red ", "", "purple"}) {
    EXPECT_FALSE(ParseName(kColourNames, bad, &untouched)) << bad;
    EXPECT_EQ(untouched, Colour::kGreen);
  }
}

TEST(EnumNamesTest, ListsForMessagesAndTablesLessOneValue) {
  EXPECT_EQ(NameList(kColourNames), "\"red\", \"green\" or \"blue\"");
  const EnumNames<Colour> two = NamesWithout(kColourNames, Colour::kGreen);
  EXPECT_EQ(NameList(two), "\"red\" or \"blue\"");
  Colour c = Colour::kUnnamed;
  EXPECT_FALSE(ParseName(two, "green", &c));
  EXPECT_EQ(NameList(NamesWithout(two, Colour::kRed)), "\"blue\"");
}

}  // namespace
}  // namespace bdb
