import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Attention, notificationText } from './attention.ts'

const ME = 'me'
const ALICE = 'alice'

function attention(): Attention {
  const a = new Attention()
  a.setSelf(ME)
  return a
}

describe('Attention', () => {
  test('messages from others in a hidden window notify and count as unread', () => {
    const a = attention()
    a.setFocused(false)
    assert.equal(a.messageAdded({ groupId: 'family', author: ALICE }), true)
    assert.equal(a.messageAdded({ groupId: 'family', author: ALICE }), true)
    assert.equal(a.messageAdded({ groupId: 'work', author: ALICE }), true)
    assert.equal(a.unreadIn('family'), 2)
    assert.equal(a.unreadTotal, 3)
  })

  test('my own messages never notify or count', () => {
    const a = attention()
    assert.equal(a.messageAdded({ groupId: 'family', author: ME }), false)
    assert.equal(a.unreadTotal, 0)
  })

  test('the group on screen in a focused window is read; the others are not', () => {
    const a = attention()
    a.setFocused(true)
    a.setViewedGroup('family')
    assert.equal(a.messageAdded({ groupId: 'family', author: ALICE }), false)
    assert.equal(a.messageAdded({ groupId: 'work', author: ALICE }), true)
    assert.equal(a.unreadTotal, 1)
    a.setViewedGroup('work')
    assert.equal(a.unreadTotal, 0, 'opening the group reads it')
  })

  test('coming back to the window reads the group on screen only', () => {
    const a = attention()
    a.setViewedGroup('family')
    a.setFocused(false)
    a.messageAdded({ groupId: 'family', author: ALICE })
    a.messageAdded({ groupId: 'work', author: ALICE })
    a.setFocused(true)
    assert.equal(a.unreadIn('family'), 0)
    assert.equal(a.unreadIn('work'), 1)
  })

  test('until the UI says which group it shows, a focused window sees everything', () => {
    const a = attention()
    a.setFocused(false)
    a.messageAdded({ groupId: 'family', author: ALICE })
    a.setFocused(true)
    assert.equal(a.unreadTotal, 0)
    assert.equal(a.messageAdded({ groupId: 'work', author: ALICE }), false)
    a.setViewedGroup(null)
    assert.equal(a.messageAdded({ groupId: 'work', author: ALICE }), true, 'no group on screen')
  })

  test('a group that is gone stops counting', () => {
    const a = attention()
    a.messageAdded({ groupId: 'family', author: ALICE })
    a.forgetGroup('family')
    assert.equal(a.unreadTotal, 0)
  })
})

describe('notificationText', () => {
  test('one short line without control characters or bidi overrides', () => {
    assert.equal(notificationText('  hello\n\nworld\t!  '), 'hello world !')
    assert.equal(notificationText('evil\u202egnp.exe\u0007'), 'evilgnp.exe')
    const long = notificationText('가'.repeat(500))
    assert.equal([...long].length, 160)
    assert.ok(long.endsWith('…'))
    assert.equal(notificationText('😀'.repeat(160)), '😀'.repeat(160), 'emoji are not split')
  })
})
