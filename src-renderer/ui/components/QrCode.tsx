import QRCode from 'qrcode'
import { useMemo } from 'react'

/** Modules of white border the QR standard asks for around the code. */
const QUIET_ZONE = 4

/** `text` as a QR code, drawn as one SVG path: no canvas, no image, nothing loaded from anywhere. */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { size, path } = useMemo(() => {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' })
    let d = ''
    for (let row = 0; row < modules.size; row++) {
      for (let col = 0; col < modules.size; col++) if (modules.get(row, col)) d += `M${col} ${row}h1v1h-1z`
    }
    return { size: modules.size, path: d }
  }, [text])
  const extent = size + 2 * QUIET_ZONE
  return (
    <svg className="qr-code" viewBox={`${-QUIET_ZONE} ${-QUIET_ZONE} ${extent} ${extent}`} role="img" aria-label={label} shapeRendering="crispEdges">
      <rect x={-QUIET_ZONE} y={-QUIET_ZONE} width={extent} height={extent} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  )
}
