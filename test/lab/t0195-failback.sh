#!/bin/sh
. "$TOP_SRCDIR/test/lab/lib-lab.sh"
test_done
