import { senderHandler } from './sender-wiring.ts';

/** EmailSender: notifications from the email queue (raw SNS delivery) -> the email provider. */
export const handler = senderHandler('email');
