/** The reactions offered in one click; any emoji the contract accepts can still arrive. */
export const quickReactions = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const
