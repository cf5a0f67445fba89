"""pyfair against `riskgraph simulate`: the mean annual loss of single scenarios (constant
frequency, PERT magnitude) against the closed form, and pyfair's time for as many scenarios as the
bundled dataset has risks (docs/performance.md, "Annual loss simulation"). Not part of CI.

Set-up, in a scratch virtual environment: python3 -m venv venv && venv/bin/pip install pyfair

Run: venv/bin/python compare.py RISKGRAPH_BINARY (SCENARIOS=N to time N scenarios instead of 262)
"""
import json, subprocess, sys, tempfile, time, os
from pyfair import FairModel

binary = sys.argv[1]
N = 100_000

def pyfair_mean(lef, lm, n=N, seed=7):
    model = FairModel(name='scenario', n_simulations=n, random_seed=seed)
    model.input_data('Loss Event Frequency', constant=lef)
    model.input_data('Loss Magnitude', low=lm[0], mode=lm[1], high=lm[2])
    model.calculate_all()
    return model.export_results()['Risk'].mean()

def riskgraph_mean(freq, loss, years=1_000_000):
    d = tempfile.mkdtemp()
    open(f'{d}/assets.csv', 'w').write('id,name,type\nweb,Web,software\n')
    open(f'{d}/threats.csv', 'w').write(
        f'id,name,category,targets,frequency,loss\nT,Outage,service-outage,web,{freq},{loss}\n')
    out = subprocess.run([binary, 'simulate', d, '--years', str(years), '--format', 'json'],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)['summary']['residual']['mean']

cases = [(0.3, (10_000, 100_000, 1_000_000)), (2.0, (5_000, 20_000, 200_000)), (0.05, (100_000, 2_000_000, 20_000_000))]
for lef, lm in cases:
    exact = lef * (lm[0] + 4 * lm[1] + lm[2]) / 6
    p = pyfair_mean(lef, lm, n=1_000_000)
    r = riskgraph_mean(lef, f'{lm[0]}..{lm[1]}..{lm[2]}')
    print(f'LEF {lef}, PERT {lm}: closed form {exact:,.0f}, pyfair {p:,.0f} ({p/exact-1:+.2%}), '
          f'riskgraph {r:,.0f} ({r/exact-1:+.2%}), riskgraph/pyfair {r/p-1:+.2%}')

# Time: pyfair simulating K scenarios of N simulations each.
K = int(os.environ.get('SCENARIOS', '262'))
started = time.perf_counter()
for k in range(K):
    model = FairModel(name=f's{k}', n_simulations=N, random_seed=k)
    model.input_data('Loss Event Frequency', low=0.05, mode=0.3, high=2.0)
    model.input_data('Loss Magnitude', low=10_000, mode=100_000, high=1_000_000)
    model.calculate_all()
elapsed = time.perf_counter() - started
print(f'pyfair: {K} scenarios x {N} simulations in {elapsed:.2f} s ({elapsed / K * 1000:.1f} ms each)')
