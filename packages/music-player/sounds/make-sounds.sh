#!/usr/bin/env bash
# Makes the two sounds the music player ships (Debian: sox, lame). They are committed, so this
# only runs when a sound should change: bash packages/music-player/sounds/make-sounds.sh
set -euo pipefail
cd "$(dirname "$0")"
tone() { sox -V1 -n -r 22050 -c 1 -t wav - "$@"; }
encode() { lame --quiet -m m -b 32 --tt "$2" --ta roomguard - "$1"; }

# The siren: a 2 s rise and fall between 600 and 1200 Hz; MPD loops it while the alarm is triggered.
tone synth 1 sine 600-1200 vol 0.6 : synth 1 sine 1200-600 vol 0.6 | encode siren.mp3 "roomguard siren"

# The door chime: ding (E5), dong (C5), each fading out.
tone synth 0.6 sine 659.3 fade q 0.01 0.6 0.5 vol 0.5 : synth 0.9 sine 523.3 fade q 0.01 0.9 0.8 vol 0.5 |
  encode chime.mp3 "roomguard door chime"
