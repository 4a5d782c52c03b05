#!/usr/bin/python3
# A live RTSP camera for tests and benchmarks: GStreamer's RTSP server (gst-rtsp-server through python3-gi, installed
# by scripts/setup.sh) serving a generated live picture (videotestsrc, H.264, a key frame every second) at
# rtsp://127.0.0.1:PORT/cam. Prints "ready" once it listens; stop it with a signal (its connections close, as a
# camera's power cut does).
#
#   /usr/bin/python3 scripts/rtsp-camera.py PORT [WIDTH HEIGHT]
import sys
import gi
gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtspServer, GLib

Gst.init(None)
port = sys.argv[1]
width = sys.argv[2] if len(sys.argv) > 2 else '320'
height = sys.argv[3] if len(sys.argv) > 3 else '180'
server = GstRtspServer.RTSPServer()
server.set_address('127.0.0.1')
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch('( videotestsrc is-live=true pattern=ball ! video/x-raw,width=%s,height=%s,framerate=25/1 '
                   '! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 threads=1 '
                   '! rtph264pay name=pay0 pt=96 config-interval=1 )' % (width, height))
factory.set_shared(True)
server.get_mount_points().add_factory('/cam', factory)
if server.attach(None) == 0:
    sys.exit('could not listen on port ' + port)
print('ready', flush=True)
GLib.MainLoop().run()
