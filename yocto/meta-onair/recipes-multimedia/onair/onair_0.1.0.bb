SUMMARY = "onair multistream box daemon"
DESCRIPTION = "Takes one program feed from OBS and relays it to every streaming platform at once, with a LAN dashboard, status screen and buttons."
HOMEPAGE = "https://github.com/onair-box/onair"
BUGTRACKER = "https://github.com/onair-box/onair/issues"
SECTION = "multimedia"
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://README.md;beginline=1;endline=1;md5=${ONAIR_README_MD5}"
ONAIR_README_MD5 ?= "0"
CVE_PRODUCT = "onair"

DEPENDS += "gstreamer1.0 gstreamer1.0-plugins-bad gstreamer1.0-plugins-base"

SRC_URI = "git://github.com/onair-box/onair.git;protocol=https;branch=main \
           file://onaird.service \
           "
# Pin a release commit for reproducible builds; AUTOREV follows main while developing.
SRCREV = "${AUTOREV}"
S = "${UNPACKDIR}/git"

inherit cargo systemd useradd pkgconfig

require onair-crates.inc

CARGO_BUILD_FLAGS += "--bin onaird"

USERADD_PACKAGES = "${PN}"
GROUPADD_PARAM:${PN} = "--system onair"
USERADD_PARAM:${PN} = "--system --home ${localstatedir}/lib/onair --no-create-home --shell /bin/false --gid onair onair"

SYSTEMD_SERVICE:${PN} = "onaird.service"
SYSTEMD_AUTO_ENABLE = "enable"

do_install:append() {
    install -d ${D}${systemd_system_unitdir}
    install -m 0644 ${UNPACKDIR}/onaird.service ${D}${systemd_system_unitdir}/onaird.service
    install -d ${D}${datadir}/onair
    install -m 0644 ${S}/packaging/onair.toml ${D}${datadir}/onair/onair.toml
}

FILES:${PN} += "${systemd_system_unitdir}/onaird.service"
RDEPENDS:${PN} += "gstreamer1.0-libav gstreamer1.0-plugins-bad gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly libnice"
