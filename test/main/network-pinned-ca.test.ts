// Issue 10, "Corporate networks": a CA (or server certificate) pinned by managed
// configuration, checked against real certificates (support/pki.ts); one case
// takes the chain from a real TLS handshake. The API session that uses the pin:
// network-api-session.test.ts.
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { chainVerifiesToPinned } from '../../electron/main/network/pinned-ca.js';
import { HOST, pins, usePki } from './support/pki.js';

const pki = usePki();

describe('Corporate networks: a pinned CA from managed configuration', () => {
  it('trusts a chain that ends at the pinned root, through an intermediate', () => {
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate], pins(pki.root))).toBe(true);
    // A proxy that also sends its root is fine too.
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate, pki.root], pins(pki.root))).toBe(true);
  });

  it('trusts a pinned intermediate, and a pinned server certificate on its own', () => {
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate], pins(pki.intermediate))).toBe(true);
    expect(chainVerifiesToPinned(HOST, [pki.selfSignedServer], pins(pki.selfSignedServer))).toBe(true);
  });

  it('refuses a certificate for another host, even from the pinned CA', () => {
    expect(chainVerifiesToPinned(HOST, [pki.otherHostLeaf, pki.intermediate], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned('other.corp.example', [pki.leaf, pki.intermediate], pins(pki.root))).toBe(false);
  });

  it('refuses a look-alike root with the same name but another key', () => {
    expect(chainVerifiesToPinned(HOST, [pki.strangerLeaf, pki.strangerRoot], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.strangerLeaf], pins(pki.root))).toBe(false);
  });

  it('refuses a leaf that names the pinned intermediate as issuer but was signed by another key', () => {
    expect(new X509Certificate(pki.forgedLeaf).issuer).toBe(new X509Certificate(pki.intermediate).subject);
    expect(chainVerifiesToPinned(HOST, [pki.forgedLeaf], pins(pki.intermediate))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.forgedLeaf, pki.intermediate], pins(pki.root))).toBe(false);
  });

  it('refuses a chain with a missing link', () => {
    expect(chainVerifiesToPinned(HOST, [pki.leaf], pins(pki.root))).toBe(false);
  });

  it('refuses a leaf issued by a certificate that is not a CA', () => {
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderNotACa, pki.notACa], pins(pki.root))).toBe(false);
  });

  it('refuses a leaf not meant for TLS servers', () => {
    expect(chainVerifiesToPinned(HOST, [pki.clientOnlyLeaf, pki.intermediate], pins(pki.root))).toBe(false);
  });

  it('refuses outside the validity period, of the leaf or of the pinned CA', () => {
    const inAYear = new Date(Date.now() + 365 * 24 * 3600 * 1000);
    const lastYear = new Date(Date.now() - 365 * 24 * 3600 * 1000);
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate], pins(pki.root), inAYear)).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate], pins(pki.root), lastYear)).toBe(false);
  });

  it('refuses SHA-1 and MD5 signatures, even from the pinned CA', () => {
    expect(chainVerifiesToPinned(HOST, [pki.sha1Leaf, pki.intermediate], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.sha1Leaf], pins(pki.intermediate))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.md5Leaf], pins(pki.rsaRoot))).toBe(false);
  });

  it('refuses RSA keys under 2048 bits and EC keys under 256 bits, in the leaf or the pinned CA', () => {
    expect(chainVerifiesToPinned(HOST, [pki.rsa1024Leaf, pki.intermediate], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.p224Leaf, pki.intermediate], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderWeakRoot], pins(pki.weakRoot))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderWeakRoot, pki.weakRoot], pins(pki.weakRoot))).toBe(false);
  });

  it("keeps an issuer's path length: a CA below one that may have none is refused", () => {
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderPathLenZero, pki.pathLenZero], pins(pki.root))).toBe(true);
    expect(chainVerifiesToPinned(HOST, [pki.leafTooDeep, pki.underPathLenZero, pki.pathLenZero], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leafTooDeep, pki.underPathLenZero], pins(pki.pathLenZero))).toBe(false);
  });

  it('refuses an issuer whose key usage does not allow signing certificates', () => {
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderNoCertSign, pki.noCertSign], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderNoCertSign], pins(pki.noCertSign))).toBe(false);
  });

  it('refuses garbage and trusts nothing without pins', () => {
    expect(chainVerifiesToPinned(HOST, ['not a certificate'], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate], [])).toBe(false);
  });

  it('verifies the chain a real TLS server presents', async () => {
    const server: Server = createServer({ key: pki.leafKey, cert: `${pki.leaf}${pki.intermediate}` }, (_req, res) => {
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const presented = await new Promise<string[]>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, servername: HOST, rejectUnauthorized: false }, () => {
          const chain: string[] = [];
          for (let cert = socket.getPeerX509Certificate(); cert; cert = cert.issuerCertificate) {
            chain.push(cert.toString());
            if (chain.length > 5) break;
          }
          // Node's own verdict, without the pin: untrusted, as Chromium's would be.
          expect(socket.authorized).toBe(false);
          socket.end();
          resolve(chain);
        });
        socket.on('error', reject);
      });
      expect(presented).toHaveLength(2);
      expect(chainVerifiesToPinned(HOST, presented, pins(pki.root))).toBe(true);
      expect(chainVerifiesToPinned(HOST, presented, pins(pki.strangerRoot))).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
