# The Debian package (cmake --build build --target package): parley-server, parley-load,
# scripts/load-test as parley-load-test, their man pages (help2man, from --help), the
# commented config file /etc/parley/parley.toml (parley-server --print-config, so it names every
# flag there is), /etc/parley/opers, the systemd unit and the docs. packaging/ holds the files
# that are not built; docs/operations.md says how to run it.

include(GNUInstallDirs)

set(PARLEY_PACKAGE_DIR ${CMAKE_BINARY_DIR}/package)
file(MAKE_DIRECTORY ${PARLEY_PACKAGE_DIR})

# Made from the server's own options at build time: a flag added anywhere lands in it.
add_custom_command(
  OUTPUT ${PARLEY_PACKAGE_DIR}/parley.toml
  COMMAND $<TARGET_FILE:parley-server> --print-config > ${PARLEY_PACKAGE_DIR}/parley.toml
  DEPENDS parley-server
  COMMENT "Writing parley.toml from parley-server --print-config")
set(PARLEY_PACKAGE_FILES ${PARLEY_PACKAGE_DIR}/parley.toml)

# Man pages from each program's --help. help2man is needed only to package (scripts/lib.sh
# PARLEY_PACKAGE_PACKAGES); without it the package is made without them, with a warning.
find_program(HELP2MAN help2man)
if(HELP2MAN)
  set(PARLEY_MAN_PAGES
      "parley-server|$<TARGET_FILE:parley-server>|chat server for nc, telnet and IRC clients|parley-server"
      "parley-load|$<TARGET_FILE:parley-load>|load client for Parley, Redis, NATS and IRC servers|parley-load"
      "parley-load-test|${PARLEY_PACKAGE_DIR}/parley-load-test|load-test a chat server and report|")
  # scripts/load-test under its installed name: without lib.sh beside it, it acts installed.
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/scripts/load-test ${PARLEY_PACKAGE_DIR}/parley-load-test
       SYMBOLIC)
  foreach(page ${PARLEY_MAN_PAGES})
    string(REPLACE "|" ";" fields "${page}")
    list(GET fields 0 name)
    list(GET fields 1 program)
    list(GET fields 2 summary)
    list(GET fields 3 target)
    add_custom_command(
      OUTPUT ${PARLEY_PACKAGE_DIR}/${name}.1.gz
      COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
              --name=${summary} --output=${PARLEY_PACKAGE_DIR}/${name}.1 ${program}
      COMMAND gzip -9nf ${PARLEY_PACKAGE_DIR}/${name}.1
      DEPENDS ${target} ${program} ${PROJECT_SOURCE_DIR}/scripts/load-test
      COMMENT "Writing the man page of ${name}")
    list(APPEND PARLEY_PACKAGE_FILES ${PARLEY_PACKAGE_DIR}/${name}.1.gz)
    install(FILES ${PARLEY_PACKAGE_DIR}/${name}.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  endforeach()
else()
  message(WARNING "help2man not found: the package will have no man pages (apt-get install help2man)")
endif()
add_custom_target(package-files ALL DEPENDS ${PARLEY_PACKAGE_FILES})

install(TARGETS parley-server parley-load RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Installed, it runs the installed binaries and never builds (it finds itself without lib.sh).
install(PROGRAMS scripts/load-test DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME parley-load-test)
install(FILES ${PARLEY_PACKAGE_DIR}/parley.toml DESTINATION /etc/parley)
install(FILES packaging/opers DESTINATION /etc/parley PERMISSIONS OWNER_READ OWNER_WRITE)
install(FILES packaging/parley.service DESTINATION /lib/systemd/system)
install(FILES README.md docs/operations.md docs/protocol.md docs/irc.md docs/benchmarks.md
              docs/reliability.md packaging/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME parley)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Parley maintainers <parley@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "chat server for nc, telnet and IRC clients")
# The long description; CPack puts the summary above it and indents it.
set(CPACK_PACKAGE_DESCRIPTION
    "Parley is a chat server built to be left running on the internet: plain (nc, telnet)
and IRC clients share its rooms, over TCP or TLS. The package holds the server, its
systemd unit (hardened, with sd_notify and a watchdog), a commented config file, and the
load client with its driver, parley-load-test.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # parley_VERSION_ARCH.deb
# Dependencies from the binaries' libraries (dpkg-shlibdeps, in dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-server, nats-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/conffiles ${PROJECT_SOURCE_DIR}/packaging/postinst
    ${PROJECT_SOURCE_DIR}/packaging/prerm ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR})
include(CPack)
