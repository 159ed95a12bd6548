#!/bin/bash
# run.sh FILE.bats — runs one bats file isolated (../isolate.sh); a file whose
# name ends in -nomqueue.bats gets no mqueue filesystem at /dev/mqueue.
set -eu
here=$(dirname "$0")
case "$1" in
*-nomqueue.bats) exec "$here/../isolate.sh" --no-mqueue bats --tap "$1" ;;
*) exec "$here/../isolate.sh" bats --tap "$1" ;;
esac
