#!/usr/bin/env bash
# Renders every icon in assets/ from icon.svg and the tray glyph below. Needs rsvg-convert
# (Debian: librsvg2-bin) and ImageMagick (imagemagick). The outputs are committed; run this after
# changing a drawing.
#   icon.png (1024 px; electron-builder derives macOS's .icns and Linux's sizes from it), icon.ico
#   tray/tray-<state>Template.png and @2x   macOS menu bar: black and alpha, tinted by the OS
#   tray/tray-<state>.png                   Linux
#   tray/tray-<state>.ico                   Windows, 16 to 48 px
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rsvg-convert -w 1024 -h 1024 icon.svg -o icon.png
for size in 16 24 32 48 64 128 256; do rsvg-convert -w $size -h $size icon.svg -o "$work/icon-$size.png"; done
convert "$work"/icon-{16,24,32,48,64,128,256}.png icon.ico

# The tray glyph: the hub and three devices. Active, paused and problem add a badge in the lower
# right, cut out of the glyph so it reads at 16 px: two arrows (data flowing), two bars, "!".
# Idle is the bare glyph, so a glance tells flowing from quiet.
#   tray_svg <state> <glyph colour> <glyph opacity> <badge disc colour or none> <badge mark colour>
tray_svg() {
  local state=$1 glyph=$2 opacity=$3 disc=$4 mark=$5 badge='' cutout=''
  if [ "$state" != idle ]; then
    cutout='<circle cx="24.5" cy="24.5" r="9" fill="#000"/>'
    [ "$disc" != none ] && badge+="<circle cx=\"24.5\" cy=\"24.5\" r=\"7.5\" fill=\"$disc\"/>"
    case $state in
      active)
        badge+="<path d=\"M21.5 28.5V20.5M18.8 23.2L21.5 20.5L24.2 23.2M27.5 20.5V28.5M24.8 25.8L27.5 28.5L30.2 25.8\" fill=\"none\" stroke=\"$mark\" stroke-width=\"2\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>" ;;
      paused)
        badge+="<rect x=\"20.8\" y=\"20\" width=\"2.8\" height=\"9\" rx=\"0.6\" fill=\"$mark\"/><rect x=\"25.4\" y=\"20\" width=\"2.8\" height=\"9\" rx=\"0.6\" fill=\"$mark\"/>" ;;
      problem)
        badge+="<rect x=\"23.2\" y=\"18.8\" width=\"2.6\" height=\"7\" rx=\"1.2\" fill=\"$mark\"/><circle cx=\"24.5\" cy=\"29\" r=\"1.5\" fill=\"$mark\"/>" ;;
    esac
  fi
  cat <<SVG
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">
  <defs><mask id="cut"><rect width="32" height="32" fill="#fff"/>$cutout</mask></defs>
  <g mask="url(#cut)" opacity="$opacity">
    <g stroke="$glyph" stroke-width="2.6" stroke-linecap="round">
      <line x1="16" y1="16" x2="16" y2="5"/><line x1="16" y1="16" x2="6" y2="22"/><line x1="16" y1="16" x2="26" y2="22"/>
    </g>
    <g fill="$glyph">
      <circle cx="16" cy="16" r="5"/><circle cx="16" cy="5" r="3.6"/><circle cx="6" cy="22" r="3.6"/><circle cx="26" cy="22" r="3.6"/>
    </g>
  </g>
  $badge
</svg>
SVG
}

render_tray() {
  local name=$1
  shift
  tray_svg "$@" > "$work/$name.svg"
}

STATES='idle active paused problem'
for state in $STATES; do
  opacity=1
  [ $state = paused ] && opacity=0.5
  render_tray "template-$state" $state '#000000' $opacity none '#000000'
  rsvg-convert -w 16 -h 16 "$work/template-$state.svg" -o "tray/tray-${state}Template.png"
  rsvg-convert -w 32 -h 32 "$work/template-$state.svg" -o "tray/tray-${state}Template@2x.png"
done

# Colour icons (Linux, Windows): mid-tone glyphs that read on light and dark panels alike.
render_tray colour-idle idle '#2da44e' 1 none '#000000'
render_tray colour-active active '#2da44e' 1 '#2f6fde' '#ffffff'
render_tray colour-paused paused '#8c959f' 1 none '#6e7781'
render_tray colour-problem problem '#8c959f' 1 '#cf222e' '#ffffff'
for state in $STATES; do
  rsvg-convert -w 32 -h 32 "$work/colour-$state.svg" -o "tray/tray-$state.png"
  for size in 16 20 24 32 40 48; do rsvg-convert -w $size -h $size "$work/colour-$state.svg" -o "$work/tray-$state-$size.png"; done
  convert "$work"/tray-$state-{16,20,24,32,40,48}.png "tray/tray-$state.ico"
done
