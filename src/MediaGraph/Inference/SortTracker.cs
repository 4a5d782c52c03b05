namespace MediaGraph;

/// <summary>
/// SORT (Bewley et al., 2016): multi-object tracking by detection. Each track is a constant-velocity Kalman filter
/// over the box (centre, area, aspect ratio, and the velocities of the first three); every frame all tracks predict,
/// then predicted boxes and the frame's detections are matched by an optimal assignment (Hungarian method) on IoU,
/// pairs below <see cref="TrackOptions.IouThreshold"/> rejected. A matched track corrects its filter; an unmatched
/// detection starts a tentative track. A tentative track is confirmed (and gets the next id) once it has been matched
/// in <see cref="TrackOptions.MinHits"/> frames in a row, and dies as soon as it misses one; a confirmed track dies
/// when it has missed more than <see cref="TrackOptions.MaxAge"/> frames in a row, so an object that comes back after
/// that gets a new id. Boxes only match boxes of the same class. One tracker follows one stream; not thread-safe.
/// </summary>
internal sealed class SortTracker(TrackOptions options)
{
    private readonly List<KalmanBox> _tracks = new();
    private int _nextId = 1;

    /// <summary>Tracks that are alive (tentative and confirmed).</summary>
    public int Alive => _tracks.Count;

    /// <summary>Advances one frame with its detections (boxes and classes, same length) and returns the confirmed
    /// tracks matched to them: (track id, detection index, filtered box, hits).</summary>
    public List<TrackedObject> Step(ReadOnlySpan<BoxF32> boxes, ReadOnlySpan<int> classes)
    {
        foreach (var t in _tracks) t.Predict();
        var matchOf = Match(boxes, classes);
        var result = new List<TrackedObject>();
        var matched = new bool[_tracks.Count];
        for (var d = 0; d < boxes.Length; d++)
        {
            if (matchOf[d] is var t and >= 0)
            {
                matched[t] = true;
                var track = _tracks[t];
                track.Update(boxes[d]);
                if (track.Id == 0 && track.Streak >= options.MinHits) track.Id = _nextId++;
                if (track.Id != 0) result.Add(new TrackedObject(track.Id, d, track.Box, track.Hits));
            }
        }
        // Unmatched: tentative tracks die at once, confirmed ones after max age.
        for (var t = _tracks.Count - 1; t >= 0; t--)
            if (!matched[t] && (_tracks[t].Id == 0 || _tracks[t].Missed > options.MaxAge)) _tracks.RemoveAt(t);
        for (var d = 0; d < boxes.Length; d++)
        {
            if (matchOf[d] >= 0 || boxes[d].Width <= 0 || boxes[d].Height <= 0) continue;
            var track = new KalmanBox(boxes[d], classes[d]);
            _tracks.Add(track);
            if (options.MinHits <= 1)
            {
                track.Id = _nextId++;
                result.Add(new TrackedObject(track.Id, d, track.Box, track.Hits));
            }
        }
        result.Sort((a, b) => a.Index.CompareTo(b.Index));
        return result;
    }

    /// <summary>For each detection, the track it is assigned to, or -1.</summary>
    private int[] Match(ReadOnlySpan<BoxF32> boxes, ReadOnlySpan<int> classes)
    {
        var matchOf = new int[boxes.Length];
        Array.Fill(matchOf, -1);
        if (boxes.Length == 0 || _tracks.Count == 0) return matchOf;
        var n = Math.Max(boxes.Length, _tracks.Count);
        var cost = new double[n, n];
        var iou = new double[boxes.Length, _tracks.Count];
        for (var d = 0; d < n; d++)
            for (var t = 0; t < n; t++)
            {
                var value = 0.0;
                if (d < boxes.Length && t < _tracks.Count && classes[d] == _tracks[t].Class)
                    value = iou[d, t] = boxes[d].IoU(_tracks[t].Box);
                cost[d, t] = 1 - value;
            }
        var assigned = Hungarian.Solve(cost);
        for (var d = 0; d < boxes.Length; d++)
            if (assigned[d] is var t && t < _tracks.Count && iou[d, t] >= options.IouThreshold && iou[d, t] > 0)
                matchOf[d] = t;
        return matchOf;
    }

    /// <summary>One track's Kalman filter, with SORT's noise settings: state (cx, cy, area, aspect, vx, vy, varea),
    /// measurement (cx, cy, area, aspect).</summary>
    private sealed class KalmanBox
    {
        private readonly double[] _x = new double[7];
        private readonly double[,] _p = new double[7, 7];
        private static readonly double[] Q = [1, 1, 1, 1, 0.01, 0.01, 0.0001];
        private static readonly double[] R = [1, 1, 10, 10];

        public KalmanBox(BoxF32 box, int @class)
        {
            Class = @class;
            Measure(box, _x);
            for (var i = 0; i < 7; i++) _p[i, i] = i < 4 ? 10 : 10_000; // the velocities start unknown
            Hits = Streak = 1;
        }

        public int Id { get; set; }
        public int Class { get; }
        public int Hits { get; private set; }
        /// <summary>Frames matched in a row, up to now.</summary>
        public int Streak { get; private set; }
        /// <summary>Frames missed in a row, up to now.</summary>
        public int Missed { get; private set; }

        public BoxF32 Box
        {
            get
            {
                var area = Math.Max(_x[2], 0);
                var w = Math.Sqrt(area * Math.Max(_x[3], 0));
                var h = w > 0 ? area / w : 0;
                return new BoxF32((float)(_x[0] - w / 2), (float)(_x[1] - h / 2), (float)w, (float)h);
            }
        }

        private static void Measure(BoxF32 box, Span<double> z)
        {
            z[0] = box.X + box.Width / 2.0;
            z[1] = box.Y + box.Height / 2.0;
            z[2] = (double)box.Width * box.Height;
            z[3] = box.Width / (double)box.Height;
        }

        /// <summary>x = F x, P = F P Fᵀ + Q, with F adding each velocity to its position.</summary>
        public void Predict()
        {
            if (_x[2] + _x[6] <= 0) _x[6] = 0; // the area cannot go negative
            for (var i = 0; i < 3; i++) _x[i] += _x[i + 4];
            // P' = F P Fᵀ: rows then columns i += i+4 for i < 3.
            for (var i = 0; i < 3; i++)
                for (var j = 0; j < 7; j++) _p[i, j] += _p[i + 4, j];
            for (var j = 0; j < 3; j++)
                for (var i = 0; i < 7; i++) _p[i, j] += _p[i, j + 4];
            for (var i = 0; i < 7; i++) _p[i, i] += Q[i];
            Missed++;
        }

        /// <summary>The standard Kalman correction with H picking the first four state entries.</summary>
        public void Update(BoxF32 box)
        {
            Span<double> y = stackalloc double[4];
            Measure(box, y);
            for (var i = 0; i < 4; i++) y[i] -= _x[i];
            var s = new double[4, 4]; // H P Hᵀ + R
            for (var i = 0; i < 4; i++)
                for (var j = 0; j < 4; j++) s[i, j] = _p[i, j] + (i == j ? R[i] : 0);
            var si = Invert4(s);
            var k = new double[7, 4]; // P Hᵀ S⁻¹
            for (var i = 0; i < 7; i++)
                for (var j = 0; j < 4; j++)
                {
                    double sum = 0;
                    for (var m = 0; m < 4; m++) sum += _p[i, m] * si[m, j];
                    k[i, j] = sum;
                }
            for (var i = 0; i < 7; i++)
                for (var j = 0; j < 4; j++) _x[i] += k[i, j] * y[j];
            var p = new double[7, 7]; // (I - K H) P
            for (var i = 0; i < 7; i++)
                for (var j = 0; j < 7; j++)
                {
                    var sum = _p[i, j];
                    for (var m = 0; m < 4; m++) sum -= k[i, m] * _p[m, j];
                    p[i, j] = sum;
                }
            Array.Copy(p, _p, p.Length);
            Hits++;
            Streak = Missed <= 1 ? Streak + 1 : 1; // Missed is 1 when the last frame matched too (Predict counts ahead)
            Missed = 0;
        }

        private static double[,] Invert4(double[,] a)
        {
            var m = new double[4, 8];
            for (var i = 0; i < 4; i++)
            {
                for (var j = 0; j < 4; j++) m[i, j] = a[i, j];
                m[i, i + 4] = 1;
            }
            for (var c = 0; c < 4; c++)
            {
                var pivot = c;
                for (var r = c + 1; r < 4; r++)
                    if (Math.Abs(m[r, c]) > Math.Abs(m[pivot, c])) pivot = r;
                if (pivot != c)
                    for (var j = 0; j < 8; j++) (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
                var d = m[c, c];
                for (var j = 0; j < 8; j++) m[c, j] /= d;
                for (var r = 0; r < 4; r++)
                {
                    if (r == c) continue;
                    var f = m[r, c];
                    if (f == 0) continue;
                    for (var j = 0; j < 8; j++) m[r, j] -= f * m[c, j];
                }
            }
            var inv = new double[4, 4];
            for (var i = 0; i < 4; i++)
                for (var j = 0; j < 4; j++) inv[i, j] = m[i, j + 4];
            return inv;
        }
    }
}

/// <summary>The assignment problem on a square cost matrix (Kuhn–Munkres with potentials, O(n³)).</summary>
internal static class Hungarian
{
    /// <summary>For each row, the column assigned to it so that the total cost is least.</summary>
    public static int[] Solve(double[,] cost)
    {
        var n = cost.GetLength(0);
        var u = new double[n + 1];
        var v = new double[n + 1];
        var p = new int[n + 1];   // p[column] = row (1-based), 0 = free
        var way = new int[n + 1];
        for (var i = 1; i <= n; i++)
        {
            p[0] = i;
            var j0 = 0;
            var minv = new double[n + 1];
            var used = new bool[n + 1];
            Array.Fill(minv, double.PositiveInfinity);
            do
            {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                var delta = double.PositiveInfinity;
                for (var j = 1; j <= n; j++)
                {
                    if (used[j]) continue;
                    var cur = cost[i0 - 1, j - 1] - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (var j = 0; j <= n; j++)
                {
                    if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (p[j0] != 0);
            do
            {
                var j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        var rowToCol = new int[n];
        for (var j = 1; j <= n; j++)
            if (p[j] != 0) rowToCol[p[j] - 1] = j - 1;
        return rowToCol;
    }
}
