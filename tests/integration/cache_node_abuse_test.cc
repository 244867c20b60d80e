// Hostile-client tests for `strata cache-node` (run against the sanitizer build in CI): 100k
// commands in one write, a client that pipelines without reading, a storm of connections reset
// mid-command, random bytes and mutated frames, and expiry under load (keys with TTLs of a few
// milliseconds, EXPIRE/PERSIST within one pipeline, 100k keys left to active expiry). Every
// test ends by checking that the node still answers and exits cleanly with no sanitizer report.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/cache_node_fixture.h"
#include "tests/integration/raw_resp_client.h"
#include "tests/support/process.h"

namespace strata::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

class CacheNodeAbuseTest : public CacheNodeProcessTest {
 protected:
  // One command on a fresh connection, its reply.
  std::string ask(const std::vector<std::string>& argv) {
    RawClient client(port_);
    client.send(encodeCommand(argv));
    return client.readReply();
  }

  // The integer after `field:` in an INFO reply, or -1.
  static long long infoField(const std::string& info, const std::string& field) {
    const auto at = info.find(field + ":");
    return at == std::string::npos ? -1 : std::atoll(info.c_str() + at + field.size() + 1);
  }

  // The node answers, then stops on SIGTERM with exit code 0 and nothing from the sanitizers.
  void expectHealthyExit() {
    EXPECT_EQ(ask({"PING"}), "+PONG\r\n");
    ASSERT_TRUE(node_.running()) << node_.log();
    const int status = node_.stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status << "\n"
                                                               << node_.log();
    const std::string log = node_.log();
    EXPECT_EQ(log.find("runtime error"), std::string::npos) << log;
    EXPECT_EQ(log.find("AddressSanitizer"), std::string::npos) << log;
    EXPECT_EQ(log.find("LeakSanitizer"), std::string::npos) << log;
  }
};

// 100k commands in a single write, read back while the write is still going: every reply in
// order. The node must keep reading and writing without either side deadlocking.
TEST_F(CacheNodeAbuseTest, HundredThousandCommandsInOneWrite) {
  constexpr int kPairs = 50000;
  std::string wire;
  std::string expected;
  for (int i = 0; i < kPairs; i++) {
    const std::string key = "key" + std::to_string(i % 1000);
    const std::string value = std::to_string(i);
    wire += encodeCommand({"SET", key, value});
    wire += encodeCommand({"GET", key});
    expected += "+OK\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  }
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  bool sent = false;
  std::thread writer([&] { sent = client.send(wire); });
  std::string received;
  for (int i = 0; i < 2 * kPairs; i++) {
    const std::string reply = client.readReply();
    if (reply.empty()) {
      break;
    }
    received += reply;
  }
  writer.join();
  EXPECT_TRUE(sent);
  EXPECT_EQ(received.size(), expected.size());
  EXPECT_TRUE(received == expected);
  expectHealthyExit();
}

// A client pipelines GETs of a 100 KB value and never reads. The node stops reading from it
// once its replies back up, so the node's buffers for it stay near the write watermark (1 MB)
// instead of holding every reply; meanwhile another client is served as usual.
TEST_F(CacheNodeAbuseTest, ClientThatNeverReadsIsHeldAtTheWatermark) {
  const std::string value(100 * 1024, 'v');
  ASSERT_EQ(ask({"SET", "big", value}), "+OK\r\n");
  RawClient hog(port_);
  const int small = 4096;
  ::setsockopt(hog.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  ::fcntl(hog.fd(), F_SETFL, ::fcntl(hog.fd(), F_GETFL) | O_NONBLOCK);
  std::string gets;
  for (int i = 0; i < 1000; i++) {
    gets += encodeCommand({"GET", "big"});
  }
  RawClient other(port_);
  size_t pushed = 0;
  long long max_buffers = 0;
  const auto deadline = steady_clock::now() + milliseconds(2000);
  for (int round = 0; round < 200 && steady_clock::now() < deadline; round++) {
    // Push as much as the node takes (non-blocking), then check on the other client.
    for (int i = 0; i < 16; i++) {
      const ssize_t n = ::send(hog.fd(), gets.data(), gets.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        break;
      }
      pushed += static_cast<size_t>(n);
    }
    other.send(encodeCommand({"INFO", "memory"}));
    const std::string info = other.readReply();
    ASSERT_FALSE(info.empty()) << "the node stopped answering other clients";
    max_buffers = std::max(max_buffers,
                           infoField(info, "used_memory") - static_cast<long long>(value.size()));
    std::this_thread::sleep_for(milliseconds(10));
  }
  // The hog asked for far more reply bytes than the node was willing to hold for it.
  const size_t requested = pushed / (gets.size() / 1000) * value.size();
  EXPECT_GT(requested, 64ull * 1024 * 1024) << pushed;
  EXPECT_LT(max_buffers, 8 * 1024 * 1024);
  other.send(encodeCommand({"PING"}));
  EXPECT_EQ(other.readReply(), "+PONG\r\n");
  expectHealthyExit();
}

// 1000 connections, each with a random prefix of a pipeline, reset (RST) in shuffled order,
// three times over: the node frees them all and keeps serving.
TEST_F(CacheNodeAbuseTest, ConnectionsResetMidCommand) {
  std::mt19937 rng(23);
  std::string pipeline;
  for (int i = 0; i < 20; i++) {
    pipeline += encodeCommand({"SET", "k" + std::to_string(i), std::string(200, 'x')});
    pipeline += encodeCommand({"GET", "k" + std::to_string(i)});
  }
  for (int round = 0; round < 3; round++) {
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 1000; i++) {
      clients.push_back(std::make_unique<RawClient>(port_));
      ASSERT_TRUE(clients.back()->connected()) << i;
    }
    for (auto& client : clients) {
      client->send(std::string_view(pipeline).substr(0, rng() % pipeline.size()));
      const linger reset{1, 0};
      ::setsockopt(client->fd(), SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    }
    std::shuffle(clients.begin(), clients.end(), rng);
    clients.clear();
  }
  RawClient probe(port_);
  long long connected = -1;
  for (int i = 0; i < 200 && connected != 1; i++) {
    probe.send(encodeCommand({"INFO", "clients"}));
    connected = infoField(probe.readReply(), "connected_clients");
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(connected, 1);
  expectHealthyExit();
}

// Random bytes and mutated commands (bytes flipped, inserted, deleted, frames cut short), each
// on a fresh connection closed or reset at once; a control client must keep getting answers.
TEST_F(CacheNodeAbuseTest, RandomBytesAndMutatedFrames) {
  std::mt19937 rng(1234);
  const std::vector<std::string> frames = {
      encodeCommand({"SET", "a", "b"}),
      encodeCommand({"GET", "a"}),
      encodeCommand({"SET", "k", "v", "PX", "5"}),
      encodeCommand({"EXPIRE", "k", "-1"}),
      encodeCommand({"MSET", "a", "b", "c"}),
      encodeCommand({"INCRBY", "n", "9223372036854775807"}),
      "PING\r\n",
      "ECHO \"x\\x41\" 'y'\r\n",
      "*2000000000\r\n",
      "*1\r\n$536870912\r\n",
  };
  const std::string specials = std::string("*$\r\n\0 -+9\"'\\", 13);
  RawClient control(port_);
  for (int i = 0; i < 2000; i++) {
    std::string data;
    if (rng() % 3 == 0) {
      for (size_t n = 1 + rng() % 200; n > 0; n--) {
        data.push_back(static_cast<char>(rng()));
      }
    } else {
      for (size_t n = 1 + rng() % 8; n > 0; n--) {
        data += frames[rng() % frames.size()];
      }
      for (size_t n = 1 + rng() % 4; n > 0; n--) {
        const size_t at = rng() % (data.size() + 1);
        switch (rng() % 4) {
          case 0:
            if (at < data.size()) {
              data[at] = static_cast<char>(rng());
            }
            break;
          case 1:
            data.insert(at, 1, specials[rng() % specials.size()]);
            break;
          case 2:
            if (at < data.size()) {
              data.erase(at, 1);
            }
            break;
          default:
            data.resize(at);
            break;
        }
      }
    }
    RawClient client(port_);
    if (rng() % 3 == 0) {
      const linger reset{1, 0};
      ::setsockopt(client.fd(), SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    }
    client.send(data);
    if (i % 100 == 0) {
      control.send("PING\r\n");
      ASSERT_EQ(control.readReply(), "+PONG\r\n") << "after input " << i;
    }
  }
  expectHealthyExit();
}

// Keys with TTLs of 1 to 50 ms are gone when read after their time, by every read path.
TEST_F(CacheNodeAbuseTest, MillisecondTtlsAreGoneWhenReadBack) {
  RawClient client(port_);
  std::string wire;
  for (int i = 1; i <= 50; i++) {
    wire += encodeCommand({"SET", "px" + std::to_string(i), "v", "PX", std::to_string(i)});
  }
  client.send(wire);
  for (int i = 1; i <= 50; i++) {
    ASSERT_EQ(client.readReply(), "+OK\r\n");
  }
  std::this_thread::sleep_for(milliseconds(100));  // twice the longest TTL
  wire.clear();
  std::vector<std::string> mget = {"MGET"};
  for (int i = 1; i <= 50; i++) {
    const std::string key = "px" + std::to_string(i);
    mget.push_back(key);
    const std::vector<std::vector<std::string>> reads = {
        {"GET", key}, {"EXISTS", key}, {"TTL", key}, {"STRLEN", key}, {"GETDEL", key}};
    wire += encodeCommand(reads[static_cast<size_t>(i) % reads.size()]);
  }
  wire += encodeCommand(mget);
  client.send(wire);
  for (int i = 1; i <= 50; i++) {
    const std::string reply = client.readReply();
    EXPECT_TRUE(reply == "$-1\r\n" || reply == ":0\r\n" || reply == ":-2\r\n") << i << reply;
  }
  std::string nils = "*50\r\n";
  for (int i = 0; i < 50; i++) {
    nils += "$-1\r\n";
  }
  EXPECT_EQ(client.readReply(), nils);
  client.send(encodeCommand({"DBSIZE"}));
  EXPECT_EQ(client.readReply(), ":0\r\n");
  expectHealthyExit();
}

// EXPIRE and PERSIST racing inside one pipeline: each reply agrees with what later reads see,
// whichever side of the key's expiry a command landed on.
TEST_F(CacheNodeAbuseTest, ExpireAndPersistWithinOnePipeline) {
  RawClient client(port_);
  std::string wire;
  for (int i = 0; i < 200; i++) {
    const std::string key = "race" + std::to_string(i);
    wire += encodeCommand({"SET", key, "v", "PX", "1"});
    wire += encodeCommand({"PERSIST", key});
    wire += encodeCommand({"PEXPIRE", key, "100000"});
    wire += encodeCommand({"PEXPIRE", key, "-1"});
    wire += encodeCommand({"PERSIST", key});
  }
  client.send(wire);
  std::vector<std::string> persisted(200);
  for (int i = 0; i < 200; i++) {
    ASSERT_EQ(client.readReply(), "+OK\r\n");
    persisted[static_cast<size_t>(i)] = client.readReply();
    const std::string pexpire = client.readReply();
    // PEXPIRE finds the key exactly when PERSIST saved it.
    EXPECT_EQ(pexpire, persisted[static_cast<size_t>(i)] == ":1\r\n" ? ":1\r\n" : ":0\r\n") << i;
    EXPECT_EQ(client.readReply(), pexpire) << i;   // a negative PEXPIRE deletes what exists
    EXPECT_EQ(client.readReply(), ":0\r\n") << i;  // nothing left to persist
  }
  client.send(encodeCommand({"DBSIZE"}));
  EXPECT_EQ(client.readReply(), ":0\r\n");
  expectHealthyExit();
}

// 100k keys with 100-500 ms TTLs, never read: active expiry alone must remove them all within
// a bounded wait while other clients keep being served.
TEST_F(CacheNodeAbuseTest, ActiveExpiryOfHundredThousandKeysConverges) {
  RawClient loader(port_);
  constexpr int kKeys = 100000;
  std::string wire;
  for (int i = 0; i < kKeys; i++) {
    wire += encodeCommand(
        {"SET", "ttl:" + std::to_string(i), "v", "PX", std::to_string(100 + i % 400)});
  }
  std::thread writer([&] { loader.send(wire); });
  int ok = 0;
  for (int i = 0; i < kKeys; i++) {
    ok += loader.readReply() == "+OK\r\n" ? 1 : 0;
  }
  writer.join();
  ASSERT_EQ(ok, kKeys);
  RawClient other(port_);
  std::string dbsize;
  for (int i = 0; i < 400 && dbsize != ":0\r\n"; i++) {
    other.send(encodeCommand({"PING"}));
    ASSERT_EQ(other.readReply(), "+PONG\r\n");
    other.send(encodeCommand({"DBSIZE"}));
    dbsize = other.readReply();
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(dbsize, ":0\r\n");
  other.send(encodeCommand({"INFO", "stats"}));
  EXPECT_EQ(infoField(other.readReply(), "expired_keys"), kKeys);
  expectHealthyExit();
}

}  // namespace
}  // namespace strata::testing
