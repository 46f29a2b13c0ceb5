# memprobe plot: mnist mlp, corruption 0.4: test accuracy during training
# data: dynamics_mnist_mlp_p0.4.csv (accuracies are fractions; drawn as %)
# run from this script's folder: gnuplot dynamics_mnist_mlp_p0.4.gp
set datafile separator ','
set title 'mnist mlp, corruption 0.4: test accuracy during training' noenhanced
set xlabel 'epoch (log scale; 0 = initialisation)' noenhanced
set ylabel 'accuracy (%)' noenhanced
set yrange [0:100]
set grid
set key below center horizontal Left reverse height 1 noenhanced
set bars small
set nonlinear x via log10(x+1) inverse 10**x-1
set xrange [0:*]
set xtics (0, 1, 2, 5, 10, 20, 50, 100, 200, 318)
if (strstrt(GPVAL_TERMINALS, ' pngcairo ') > 0) {
  set terminal pngcairo size 1200,520 font 'sans,10'
} else {
  set terminal png size 1200,520
}
set output 'dynamics_mnist_mlp_p0.4.png'
plot 'dynamics_mnist_mlp_p0.4.csv' skip 1 using 1:($2*100):(column(3) == column(3) ? column(3)*100 : 0) with yerrorlines lw 2 title 'model', \
     '' skip 1 using 1:($4*100):(column(5) == column(5) ? column(5)*100 : 0) with yerrorlines lw 2 title 'MASC (best layer)', \
     '' skip 1 using 1:($6*100):(column(7) == column(7) ? column(7)*100 : 0) with yerrorlines lw 2 title 'linear probe (best layer)', \
     '' skip 1 using 1:($8*100):(column(9) == column(9) ? column(9)*100 : 0) with yerrorlines lw 2 dt 2 title 'edited model'
set terminal svg size 1200,520 dynamic font 'sans,10'
set output 'dynamics_mnist_mlp_p0.4.svg'
plot 'dynamics_mnist_mlp_p0.4.csv' skip 1 using 1:($2*100):(column(3) == column(3) ? column(3)*100 : 0) with yerrorlines lw 2 title 'model', \
     '' skip 1 using 1:($4*100):(column(5) == column(5) ? column(5)*100 : 0) with yerrorlines lw 2 title 'MASC (best layer)', \
     '' skip 1 using 1:($6*100):(column(7) == column(7) ? column(7)*100 : 0) with yerrorlines lw 2 title 'linear probe (best layer)', \
     '' skip 1 using 1:($8*100):(column(9) == column(9) ? column(9)*100 : 0) with yerrorlines lw 2 dt 2 title 'edited model'
set output
