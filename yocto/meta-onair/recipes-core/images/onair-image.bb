SUMMARY = "onair box image"
DESCRIPTION = "onaird with the GStreamer plugins it needs, mDNS, a read-only root and no SSH by default."
LICENSE = "MIT"

inherit core-image

IMAGE_FEATURES += "read-only-rootfs"

IMAGE_INSTALL:append = " onair avahi-daemon gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav"
