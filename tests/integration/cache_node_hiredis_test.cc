// hiredis, the C client most Redis libraries build on, against a real `strata cache-node`:
// typed replies (status, bulk, nil, integer, array, error), binary-safe values, pipelining and
// expiry, through the library's own parser rather than ours.
#include <gtest/gtest.h>

#include <hiredis/hiredis.h>

#include <cstdarg>
#include <memory>
#include <string>

#include "tests/integration/cache_node_fixture.h"

namespace strata::testing {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};

class CacheNodeHiredisTest : public CacheNodeProcessTest {
 protected:
  void SetUp() override {
    CacheNodeProcessTest::SetUp();
    const timeval timeout{5, 0};
    context_.reset(redisConnectWithTimeout("127.0.0.1", port_, timeout));
    ASSERT_NE(context_, nullptr);
    ASSERT_EQ(context_->err, 0) << context_->errstr;
    // Every reply read below is bounded by this timeout.
    ASSERT_EQ(redisSetTimeout(context_.get(), timeout), REDIS_OK);
  }

  ReplyPtr command(const char* format, ...) {
    va_list args;
    va_start(args, format);
    auto* reply = static_cast<redisReply*>(redisvCommand(context_.get(), format, args));
    va_end(args);
    return ReplyPtr(reply);
  }

  std::unique_ptr<redisContext, ContextDeleter> context_;
};

TEST_F(CacheNodeHiredisTest, TypedRepliesMatchRedis) {
  auto set = command("SET %s %s", "greeting", "hello");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->type, REDIS_REPLY_STATUS);
  EXPECT_STREQ(set->str, "OK");

  auto get = command("GET greeting");
  ASSERT_TRUE(get);
  ASSERT_EQ(get->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(get->str, get->len), "hello");

  auto missing = command("GET nothing-here");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->type, REDIS_REPLY_NIL);

  auto incr = command("INCRBY counter 41");
  ASSERT_TRUE(incr);
  ASSERT_EQ(incr->type, REDIS_REPLY_INTEGER);
  EXPECT_EQ(incr->integer, 41);

  auto mget = command("MGET greeting nothing-here counter");
  ASSERT_TRUE(mget);
  ASSERT_EQ(mget->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(mget->elements, 3u);
  EXPECT_EQ(std::string(mget->element[0]->str, mget->element[0]->len), "hello");
  EXPECT_EQ(mget->element[1]->type, REDIS_REPLY_NIL);
  EXPECT_EQ(std::string(mget->element[2]->str, mget->element[2]->len), "41");

  auto wrong = command("INCR greeting");
  ASSERT_TRUE(wrong);
  ASSERT_EQ(wrong->type, REDIS_REPLY_ERROR);
  EXPECT_STREQ(wrong->str, "ERR value is not an integer or out of range");

  // The connection stays usable after an error reply.
  auto ping = command("PING");
  ASSERT_TRUE(ping);
  EXPECT_STREQ(ping->str, "PONG");
}

TEST_F(CacheNodeHiredisTest, BinarySafeValuesRoundTrip) {
  std::string value;
  for (int i = 0; i < 70000; ++i) {
    value.push_back(static_cast<char>(i % 256));  // NULs, CR and LF included
  }
  const std::string key("bin\0key\r\n", 9);
  auto set = command("SET %b %b", key.data(), key.size(), value.data(), value.size());
  ASSERT_TRUE(set);
  EXPECT_EQ(set->type, REDIS_REPLY_STATUS);
  auto get = command("GET %b", key.data(), key.size());
  ASSERT_TRUE(get);
  ASSERT_EQ(get->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(get->str, get->len), value);
  auto strlen_reply = command("STRLEN %b", key.data(), key.size());
  ASSERT_TRUE(strlen_reply);
  EXPECT_EQ(strlen_reply->integer, 70000);
}

TEST_F(CacheNodeHiredisTest, PipelinedCommandsAnswerInOrder) {
  constexpr int kCommands = 2000;
  for (int i = 0; i < kCommands; ++i) {
    const std::string key = "k" + std::to_string(i);
    const std::string val = "v" + std::to_string(i);
    ASSERT_EQ(redisAppendCommand(context_.get(), "SET %s %s", key.c_str(), val.c_str()), REDIS_OK);
    ASSERT_EQ(redisAppendCommand(context_.get(), "GET %s", key.c_str()), REDIS_OK);
  }
  for (int i = 0; i < kCommands; ++i) {
    void* raw = nullptr;
    ASSERT_EQ(redisGetReply(context_.get(), &raw), REDIS_OK) << context_->errstr;
    ReplyPtr set(static_cast<redisReply*>(raw));
    EXPECT_EQ(set->type, REDIS_REPLY_STATUS);
    ASSERT_EQ(redisGetReply(context_.get(), &raw), REDIS_OK) << context_->errstr;
    ReplyPtr get(static_cast<redisReply*>(raw));
    ASSERT_EQ(get->type, REDIS_REPLY_STRING);
    EXPECT_EQ(std::string(get->str, get->len), "v" + std::to_string(i));
  }
  auto size = command("DBSIZE");
  ASSERT_TRUE(size);
  EXPECT_EQ(size->integer, kCommands);
}

TEST_F(CacheNodeHiredisTest, ExpiryIsVisibleThroughTheClient) {
  auto set = command("SET %s %s PX %d", "short", "lived", 60000);
  ASSERT_TRUE(set);
  auto pttl = command("PTTL short");
  ASSERT_TRUE(pttl);
  EXPECT_GT(pttl->integer, 59000);
  EXPECT_LE(pttl->integer, 60000);
  auto expire = command("EXPIRE short -1");  // a negative TTL deletes the key, as in Redis
  ASSERT_TRUE(expire);
  EXPECT_EQ(expire->integer, 1);
  auto exists = command("EXISTS short");
  ASSERT_TRUE(exists);
  EXPECT_EQ(exists->integer, 0);
}

}  // namespace
}  // namespace strata::testing
