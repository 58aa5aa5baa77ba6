// parley-server: parse the flags, raise the descriptor limit, serve until a signal.

#include <sys/resource.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <exception>
#include <filesystem>
#include <iostream>

#include "server/options.hpp"
#include "server/server.hpp"
#include "server/store/history_db.hpp"

namespace {
// --backup FILE: an online copy of the history database, consistent even while a server
// writes it; never over an existing file.
int back_up(const std::string& data_dir, const std::string& to) {
    try {
        std::error_code ec;
        if (std::filesystem::exists(to, ec)) {
            std::cerr << "parley-server: --backup " << to << ": the file exists already\n";
            return 1;
        }
        parley::store::backup(parley::history_file(data_dir), to);
        std::cout << "backed up " << parley::history_file(data_dir) << " to " << to << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "parley-server: --backup: " << e.what() << "\n";
        return 1;
    }
}

// Every client is a descriptor: take all the kernel allows this process.
void raise_descriptor_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}
}  // namespace

int main(int argc, char** argv) {
    auto options = parley::parse_options(argc, argv);
    if (options.exit_code) {
        return *options.exit_code;
    }
    if (!options.backup_to.empty()) {
        return back_up(options.config.data_dir, options.backup_to);
    }
    auto logger = spdlog::stderr_color_mt("parley");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    spdlog::set_level(spdlog::level::from_str(options.config.log_level));
    raise_descriptor_limit();
    try {
        parley::Server server(options.config);
        server.run();
    } catch (const std::exception& e) {
        std::cerr << "parley-server: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
