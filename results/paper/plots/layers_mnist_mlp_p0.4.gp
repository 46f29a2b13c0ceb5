# memprobe plot: mnist mlp, corruption 0.4: test accuracy by layer (mean over 1 seed)
# data: layers_mnist_mlp_p0.4.csv (accuracies are fractions; drawn as %)
# run from this script's folder: gnuplot layers_mnist_mlp_p0.4.gp
set datafile separator ','
set title 'mnist mlp, corruption 0.4: test accuracy by layer (mean over 1 seed)' noenhanced
set xlabel 'layer' noenhanced
set ylabel 'accuracy (%)' noenhanced
set yrange [0:100]
set grid
set key below center horizontal Left reverse height 1 noenhanced
set bars small
set offsets 0.3, 0.3, 0, 0
set xtics noenhanced
if (strstrt(GPVAL_TERMINALS, ' pngcairo ') > 0) {
  set terminal pngcairo size 1200,520 font 'sans,10'
} else {
  set terminal png size 1200,520
}
set output 'layers_mnist_mlp_p0.4.png'
plot 'layers_mnist_mlp_p0.4.csv' skip 1 using 0:($3*100):(column(4) == column(4) ? column(4)*100 : 0):xtic(2) with yerrorlines lw 2 dt 2 title 'model (output)', \
     '' skip 1 using 0:($5*100):(column(6) == column(6) ? column(6)*100 : 0):xtic(2) with yerrorlines lw 2 title 'MASC (corrupted subspaces)', \
     '' skip 1 using 0:($7*100):(column(8) == column(8) ? column(8)*100 : 0):xtic(2) with yerrorlines lw 2 title 'MASC (true subspaces)', \
     '' skip 1 using 0:($9*100):(column(10) == column(10) ? column(10)*100 : 0):xtic(2) with yerrorlines lw 2 title 'linear probe', \
     '' skip 1 using 0:($11*100):(column(12) == column(12) ? column(12)*100 : 0):xtic(2) with yerrorlines lw 2 title 'NCM', \
     '' skip 1 using 0:($13*100):(column(14) == column(14) ? column(14)*100 : 0):xtic(2) with yerrorlines lw 2 title 'logistic regression'
set terminal svg size 1200,520 dynamic font 'sans,10'
set output 'layers_mnist_mlp_p0.4.svg'
plot 'layers_mnist_mlp_p0.4.csv' skip 1 using 0:($3*100):(column(4) == column(4) ? column(4)*100 : 0):xtic(2) with yerrorlines lw 2 dt 2 title 'model (output)', \
     '' skip 1 using 0:($5*100):(column(6) == column(6) ? column(6)*100 : 0):xtic(2) with yerrorlines lw 2 title 'MASC (corrupted subspaces)', \
     '' skip 1 using 0:($7*100):(column(8) == column(8) ? column(8)*100 : 0):xtic(2) with yerrorlines lw 2 title 'MASC (true subspaces)', \
     '' skip 1 using 0:($9*100):(column(10) == column(10) ? column(10)*100 : 0):xtic(2) with yerrorlines lw 2 title 'linear probe', \
     '' skip 1 using 0:($11*100):(column(12) == column(12) ? column(12)*100 : 0):xtic(2) with yerrorlines lw 2 title 'NCM', \
     '' skip 1 using 0:($13*100):(column(14) == column(14) ? column(14)*100 : 0):xtic(2) with yerrorlines lw 2 title 'logistic regression'
set output
