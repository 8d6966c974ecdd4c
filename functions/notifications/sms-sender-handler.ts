import { senderHandler } from './sender-wiring.ts';

/** SmsSender: notifications from the sms queue (raw SNS delivery) -> the SMS provider. */
export const handler = senderHandler('sms');
