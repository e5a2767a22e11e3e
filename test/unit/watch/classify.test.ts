import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEvent, isFileChange, type EventAction, type EventFacts } from '../../../src/watch/classify.js';

const facts = (f: Partial<EventFacts>): EventFacts => ({
  type: 'rename',
  stat: null,
  watched: false,
  ownName: false,
  wasThere: false,
  excluded: () => false,
  ...f,
});
const act = (a: Partial<EventAction>): EventAction => ({
  ownNamed: null,
  close: false,
  report: null,
  watchTree: false,
  ...a,
});
const FILE = { isDir: false, sameAsWatched: false };
const NEW_DIR = { isDir: true, sameAsWatched: false };
const SAME_DIR = { isDir: true, sameAsWatched: true };

describe('classifyEvent: what an lstat result means for an event', () => {
  it('a missing path is removed', () => {
    assert.deepEqual(classifyEvent(facts({ stat: null })), act({ report: 'removed' }));
  });
  it('a missing watched directory is removed and its watches closed', () => {
    assert.deepEqual(classifyEvent(facts({ stat: null, watched: true })), act({ report: 'removed', close: true }));
  });
  it('a missing excluded path is not reported, as a directory or as a file, but its watches close', () => {
    assert.deepEqual(classifyEvent(facts({ stat: null, watched: true, excluded: (d) => d })), act({ close: true }));
    assert.deepEqual(classifyEvent(facts({ stat: null, excluded: (d) => !d })), act({}));
  });
  it("a file on 'rename' was created, on 'change' changed", () => {
    assert.deepEqual(classifyEvent(facts({ stat: FILE, type: 'rename' })), act({ report: 'created' }));
    assert.deepEqual(classifyEvent(facts({ stat: FILE, type: 'change' })), act({ report: 'changed' }));
  });
  it('a file where a directory was watched: the watches close', () => {
    assert.deepEqual(classifyEvent(facts({ stat: FILE, watched: true })), act({ report: 'created', close: true }));
  });
  it('an excluded file or directory is left alone (watches too)', () => {
    assert.deepEqual(classifyEvent(facts({ stat: FILE, watched: true, excluded: () => true })), act({}));
    assert.deepEqual(classifyEvent(facts({ stat: NEW_DIR, excluded: (d) => d })), act({}));
  });
  it('the same directory still there changed its attributes, whatever the event type', () => {
    assert.deepEqual(
      classifyEvent(facts({ stat: SAME_DIR, watched: true, type: 'rename' })),
      act({ report: 'dir-changed' }),
    );
    assert.deepEqual(
      classifyEvent(facts({ stat: SAME_DIR, watched: true, type: 'change' })),
      act({ report: 'dir-changed' }),
    );
  });
  it('a new directory (or a new one under a watched name) appeared: reported, watched and scanned', () => {
    assert.deepEqual(classifyEvent(facts({ stat: NEW_DIR })), act({ report: 'dir-created', watchTree: true }));
    assert.deepEqual(
      classifyEvent(facts({ stat: NEW_DIR, watched: true })),
      act({ report: 'dir-created', watchTree: true }),
    );
  });
  describe('an event named like its directory (libuv names a directory`s own events so)', () => {
    it('missing and never known: the directory`s own event, nothing to do', () => {
      assert.deepEqual(classifyEvent(facts({ ownName: true, stat: null, wasThere: false })), act({}));
    });
    it('missing but known to be there: a child of that name was removed', () => {
      assert.deepEqual(
        classifyEvent(facts({ ownName: true, stat: null, wasThere: true })),
        act({ ownNamed: 'delete', report: 'removed' }),
      );
    });
    it('present: a real child, remembered as such', () => {
      assert.deepEqual(
        classifyEvent(facts({ ownName: true, stat: FILE, type: 'change' })),
        act({ ownNamed: 'add', report: 'changed' }),
      );
      assert.deepEqual(
        classifyEvent(facts({ ownName: true, stat: NEW_DIR })),
        act({ ownNamed: 'add', report: 'dir-created', watchTree: true }),
      );
    });
    it('present but excluded: remembered, not reported', () => {
      assert.deepEqual(
        classifyEvent(facts({ ownName: true, stat: FILE, excluded: () => true })),
        act({ ownNamed: 'add' }),
      );
    });
  });
});

describe('isFileChange: the events classified without an lstat', () => {
  it("a 'change' of a name that is no watched directory and not the directory's own: a file's write", () => {
    assert.equal(isFileChange({ type: 'change', watched: false, ownName: false }), true);
  });
  it("'rename' (appeared or vanished), a watched directory's name, or the directory's own name: looked at", () => {
    assert.equal(isFileChange({ type: 'rename', watched: false, ownName: false }), false);
    assert.equal(isFileChange({ type: 'change', watched: true, ownName: false }), false);
    assert.equal(isFileChange({ type: 'change', watched: false, ownName: true }), false);
  });
});
