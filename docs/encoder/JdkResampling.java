import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * The JDK's own sample-rate converter (javax.sound.sampled, the "interpolation" property: linear, cubic, lanczos, sinc)
 * on a 2 s sweep from 20 Hz to 0.9 of the lower Nyquist frequency, against the analytic sweep at the output's times,
 * after fitting the best constant delay; then the delay of a 1 kHz tone over time. docs/ENCODER.md has the numbers.
 * Run: java docs/encoder/JdkResampling.java 48000 44100 sinc
 */
public class JdkResampling {
    static double sweep(double t, double f0, double f1) { return 0.5 * Math.sin(2 * Math.PI * (f0 * t + (f1 - f0) * t * t / 4)); }

    static float[] convert(float[] x, int from, int to, String interpolation) throws Exception {
        ByteBuffer bb = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : x) bb.putFloat(v);
        AudioFormat in = new AudioFormat(AudioFormat.Encoding.PCM_FLOAT, from, 32, 1, 4, from, false);
        AudioFormat out = new AudioFormat(AudioFormat.Encoding.PCM_FLOAT, to, 32, 1, 4, to, false, Map.of("interpolation", interpolation));
        AudioInputStream converted = AudioSystem.getAudioInputStream(out, new AudioInputStream(new ByteArrayInputStream(bb.array()), in, x.length));
        FloatBuffer fb = ByteBuffer.wrap(converted.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] y = new float[fb.remaining()];
        fb.get(y);
        return y;
    }

    public static void main(String[] a) throws Exception {
        int from = Integer.parseInt(a[0]), to = Integer.parseInt(a[1]);
        double f1 = 0.9 * Math.min(from, to) / 2;
        float[] x = new float[2 * from];
        for (int i = 0; i < x.length; i++) x[i] = (float) sweep(i / (double) from, 20, f1);
        float[] y = convert(x, from, to, a[2]);
        double best = Double.POSITIVE_INFINITY, bestDelay = 0;
        for (double delay = -40; delay <= 40; delay += 0.01) { // output samples
            double num = 0, den = 0;
            for (int j = y.length / 10; j < y.length * 9 / 10; j += 3) {
                double ref = sweep((j - delay) / to, 20, f1);
                num += (y[j] - ref) * (y[j] - ref);
                den += ref * ref;
            }
            if (num / den < best) { best = num / den; bestDelay = delay; }
        }
        System.out.printf("%d -> %d Hz, %s: %d samples out for %d expected; best constant delay %.2f samples; error %.1f dB%n",
                from, to, a[2], y.length, 2 * to, bestDelay, 10 * Math.log10(best));
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.5 * Math.sin(2 * Math.PI * 1000 * i / from));
        y = convert(x, from, to, a[2]);
        for (int w = to / 4; w + 2000 <= y.length; w += to / 2) { // least-squares phase of the 1 kHz tone in a window
            double ys = 0, yc = 0;
            for (int j = w; j < w + 2000; j++) { double t = 2 * Math.PI * 1000 * j / to; ys += y[j] * Math.sin(t); yc += y[j] * Math.cos(t); }
            System.out.printf("  1 kHz tone at %.2f s: delay %.4f samples%n", w / (double) to, -Math.atan2(yc, ys) / (2 * Math.PI * 1000) * to);
        }
    }
}
