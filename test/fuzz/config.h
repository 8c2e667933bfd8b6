/* config.h: stands in for the config.h that configure writes, so the
 * fuzz targets build with clang straight from the source tree. */
#define _GNU_SOURCE 1
