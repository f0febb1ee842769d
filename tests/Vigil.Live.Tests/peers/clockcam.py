#!/usr/bin/python3
"""A camera that carries its wall clock in every frame, publishing H.264 over RTMP like a camera's agent.

Each frame is drawn at the moment it is made: the current Unix time in milliseconds as 42 bits, two
rows of 21 blocks (30x30 pixels, white for 1, black for 0, least significant bit first) on grey,
then encoded by ffmpeg (libx264, zerolatency, one keyframe a second, or every N frames with a second
argument N) and published to the URL given.
A viewer reads the blocks back from the picture it shows: the difference with its own clock is the
glass-to-glass time (the same machine, the same clock).
"""
import subprocess
import sys
import time

W, H, FPS, BITS, PER_ROW, BLOCK = 640, 360, 25, 42, 21, 30


def main():
    url = sys.argv[1]
    gop = int(sys.argv[2]) if len(sys.argv) > 2 else FPS
    ffmpeg = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "warning", "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{W}x{H}", "-r", str(FPS),
         "-i", "-", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-pix_fmt", "yuv420p",
         "-f", "flv", url],
        stdin=subprocess.PIPE)
    grey = bytes([96]) * (W * H)
    white, black = bytes([255]) * (BLOCK - 10), bytes([0]) * (BLOCK - 10)
    print("ready", flush=True)
    due = time.time()
    while True:
        now = int(time.time() * 1000)
        frame = bytearray(grey)
        for i in range(BITS):
            fill = white if (now >> i) & 1 else black
            x, y = (i % PER_ROW) * BLOCK, (i // PER_ROW) * BLOCK
            for row in range(y + 5, y + BLOCK - 5):
                start = row * W + x + 5
                frame[start:start + BLOCK - 10] = fill
        try:
            ffmpeg.stdin.write(frame)
            ffmpeg.stdin.flush()
        except BrokenPipeError:
            sys.exit(1)
        due += 1 / FPS
        time.sleep(max(0.0, due - time.time()))


if __name__ == "__main__":
    main()
