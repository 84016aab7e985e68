// Package voice announces called tickets in a service hall by joining
// recorded clips, the way established queue systems do: a chime, then
// 请 A 零 零 一 号 到 三 号 窗 口 办 理 ("please, number A001, go to window 3
// to be served"). Ticket numbers are read character by character (letters as
// English letter names, digits 零..九); window numbers are read as Chinese
// cardinals (3 三, 10 十, 12 十二, 20 二十, 105 一百零五). An English variant
// reads "number A zero zero one, please go to window three".
//
// Clips are 16 kHz mono 16-bit PCM (see hallkiosk/assets/voice and
// scripts/voice-clips.sh). Words gives the clip names of an announcement,
// Clips.Render joins them with fixed gaps (Gaps), and Announcer plays a queue
// of announcements one at a time, each repeated as asked, never overlapping,
// with a volume and quiet hours, to a Sink: a WAVFile, Null, or a sound card
// (package hallkiosk/drivers/voice/soundcard, on miniaudio via malgo).
//
// espeak-ng's Mandarin voice is not used: its tones are wrong for public
// announcement.
package voice
