/**
 * How to make a device trust the relay's CA, one short recipe per platform, and the way that needs
 * no install. Browsers refuse wss:// from an https page to a server they do not trust, and only
 * the device's owner can change that.
 */
interface TrustStepsProps {
  /** The file's name as the relay serves it (Content-Disposition). */
  fileName: string
  /** The https page to open once for the no-install way. */
  fallbackUrl: string
}

export function TrustSteps({ fileName, fallbackUrl }: TrustStepsProps) {
  return (
    <details className="trust-steps">
      <summary>How to trust it on each device</summary>
      <dl>
        <dt>macOS</dt>
        <dd>Open the downloaded file; it lands in Keychain Access. Open the certificate there, and under Trust set “When using this certificate” to Always Trust.</dd>
        <dt>Windows</dt>
        <dd>Open the file, choose Install Certificate, then Current User and the store “Trusted Root Certification Authorities”.</dd>
        <dt>iOS and iPadOS</dt>
        <dd>Scan the code with the camera and open it in Safari, allow the download, then install it in Settings → General → VPN &amp; Device Management. Then turn on full trust for it in Settings → General → About → Certificate Trust Settings.</dd>
        <dt>Android</dt>
        <dd>Scan the code and download the file, then Settings → Security → Encryption &amp; credentials → Install a certificate → CA certificate (names vary by maker). Chrome trusts it; some apps trust only built-in authorities.</dd>
        <dt>Linux (Chromium, Chrome)</dt>
        <dd>
          With <code>libnss3-tools</code>: <code>certutil -d sql:$HOME/.pki/nssdb -A -t &quot;C,,&quot; -n switchboard -i {fileName}</code>, then restart the browser.
        </dd>
        <dt>Firefox (every system)</dt>
        <dd>Settings → Privacy &amp; Security → Certificates → View Certificates → Authorities → Import, and tick “Trust this CA to identify websites”.</dd>
      </dl>
      <p>Whichever device: check that the fingerprint it shows is the one above.</p>
      <p>
        <strong>Without installing anything:</strong> open <a href={fallbackUrl}>{fallbackUrl}</a> once in the browser the web app runs in and accept the warning.
        The page then says it worked, and that browser reaches the relay over <code>wss://</code> until the relay’s certificate is next renewed.
      </p>
    </details>
  )
}
