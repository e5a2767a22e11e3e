import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { debianMirror } from '../../helpers/debian-root.js';

describe('debianMirror: the Debian mirror of the host apt sources (for the debootstrap test)', () => {
  it('deb822: the bookworm source, not security, not a disabled file, not deb-src', () => {
    const files = [
      {
        name: 'nodesource.sources.disabled',
        text: 'Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: bookworm\nComponents: main\n',
      },
      {
        name: 'debian.sources',
        text: 'Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\nTypes: deb\n# a comment\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n',
      },
    ];
    assert.equal(debianMirror(files), 'http://mirror.example/debian');
  });
  it('one-line format with options; a Debian mirror of another release when none names bookworm', () => {
    assert.equal(
      debianMirror([
        {
          name: 'sources.list',
          text: '# deb http://old.example/debian buster main\ndeb [arch=amd64 signed-by=/k.gpg] https://m.example/debian bookworm main\n',
        },
      ]),
      'https://m.example/debian',
    );
    assert.equal(
      debianMirror([{ name: 'sources.list', text: 'deb http://m.example/debian trixie main\n' }]),
      'http://m.example/debian',
    );
  });
  it('null without a Debian source (an Ubuntu host), and for Enabled: no or a cdrom', () => {
    assert.equal(
      debianMirror([
        { name: 'ubuntu.sources', text: 'Types: deb\nURIs: http://archive.example/ubuntu\nSuites: noble\n' },
      ]),
      null,
    );
    assert.equal(
      debianMirror([
        { name: 'd.sources', text: 'Types: deb\nEnabled: no\nURIs: http://m.example/debian\nSuites: bookworm\n' },
      ]),
      null,
    );
    assert.equal(debianMirror([{ name: 'sources.list', text: 'deb cdrom:[Debian]/ bookworm main\n' }]), null);
  });
});
