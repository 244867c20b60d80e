// strata: entry point; subcommands are added in cmd/.
#include <cstdio>
int main() {
  std::puts("strata " STRATA_VERSION);
  return 0;
}
