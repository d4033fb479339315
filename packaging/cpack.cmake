# The Debian package (tools/run package): bdbackup_<version>_<arch>.deb with
# both programs and their helpers, man pages and bash completion generated
# from the command tables, the systemd units and their generator, an example
# instance config, and maintainer scripts that create the unprivileged user.
include(GNUInstallDirs)

install(TARGETS bdbackup bdbackup-recover bdbsim bdbsim-workload bdbsim-recover RUNTIME DESTINATION bin)
install(TARGETS bdbackup-systemd-generator RUNTIME DESTINATION /lib/systemd/system-generators)
install(DIRECTORY ${CMAKE_BINARY_DIR}/man/ DESTINATION share/man/man1 FILES_MATCHING PATTERN "*.1.gz")
install(FILES ${CMAKE_BINARY_DIR}/completion/bdbackup ${CMAKE_BINARY_DIR}/completion/bdbsim
        DESTINATION share/bash-completion/completions)
# The libraries bdbsim preloads into the programs it runs (it looks for them in ../lib/bdbackup).
install(TARGETS bdbsim-listing-shim bdbsim-bdb-hooks LIBRARY DESTINATION lib/bdbackup)
# scenarios/apps/ runs the example applications of the source tree (examples/), which the package does not hold.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/scenarios/ DESTINATION share/bdbackup/scenarios PATTERN apps EXCLUDE)
file(GLOB SYSTEMD_UNITS ${CMAKE_SOURCE_DIR}/packaging/systemd/*)
install(FILES ${SYSTEMD_UNITS} DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/example.toml DESTINATION /etc/bdbackup)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bdbackup)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "bdbackup maintainers <bdbackup@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "backups for Berkeley DB 5.3 transactional environments, and a recovery simulator")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "bdbackup archives logs and takes cold, hot and incremental backups of Berkeley DB 5.3\n\
transactional environments into a repository of checksummed, atomically published backups,\n\
restores them by catastrophic recovery, verifies, expires and monitors them. bdbsim proves\n\
backups restore every acknowledged commit under injected crashes, power loss and I/O errors.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # bdbackup_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # the libraries the binaries link (libdb5.3, libfiu0, libzstd1, ...)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, db5.3-util")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "bash-completion, man-db")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus-node-exporter")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)  # fast to build; xz saves little on stripped binaries
set(CPACK_STRIP_FILES ON)
include(CPack)
