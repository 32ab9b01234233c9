/** A problem the user can fix; its message is shown to them as is. */
export class UserError extends Error {
  override readonly name = 'UserError';
}
